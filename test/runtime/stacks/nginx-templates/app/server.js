// The shop's API: /api/hello answers with who serves it.
const http = require('http');
const os = require('os');

const port = Number(process.env.PORT || 3000);
http
  .createServer((req, res) => {
    if (req.url === '/api/hello') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ hello: 'shop', uid: process.getuid(), host: os.hostname() }));
      return;
    }
    res.writeHead(404);
    res.end();
  })
  .listen(port, () => console.log(`api listening on ${port}`));
