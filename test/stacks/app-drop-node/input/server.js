const http = require('http');
http.createServer((req, res) => res.end('ok')).listen(80, () => {
  // Bind the low port as root, then step down.
  process.setgid(1000);
  process.setuid(1000);
});
