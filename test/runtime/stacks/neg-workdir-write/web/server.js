// Renders a page from a cache it writes next to itself when it starts. The
// file's place comes from the environment (with a default next to the code),
// so the files alone do not tell the tool of the write: only the hardened run shows it.
const fs = require('fs');
const http = require('http');

const cache = process.env.RENDER_CACHE || `${__dirname}/render-cache.json`;
fs.writeFileSync(cache, JSON.stringify({ builtAt: new Date().toISOString() }));
const page = `<h1>built ${JSON.parse(fs.readFileSync(cache, 'utf8')).builtAt}</h1>`;
http.createServer((req, res) => res.end(page)).listen(3000, () => console.log('web: listening on 3000'));
