// Renders a page from a cache it writes next to itself when it starts.
const fs = require('fs');
const http = require('http');

const cache = `${__dirname}/render-cache.json`;
fs.writeFileSync(cache, JSON.stringify({ builtAt: new Date().toISOString() }));
const page = `<h1>built ${JSON.parse(fs.readFileSync(cache, 'utf8')).builtAt}</h1>`;
http.createServer((req, res) => res.end(page)).listen(3000, () => console.log('web: listening on 3000'));
