'use strict';

const http = require('node:http');

const SOCKET = process.env.DOCKER_SOCKET || '/var/run/docker.sock';
const WEBHOOK_URL = process.env.WEBHOOK_URL;
const PORT = Number(process.env.PORT || 3000);
const WATCHED = new Set(['die', 'oom', 'restart', 'health_status: unhealthy']);

let lastEvent = null;

async function notify(event) {
  const name = event.Actor?.Attributes?.name || event.id;
  const text = `container ${name}: ${event.status}`;
  console.log(text);
  if (!WEBHOOK_URL) return;
  try {
    await fetch(WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
  } catch (err) {
    console.error('webhook failed:', err.message);
  }
}

// Stream /events from the Engine API over the unix socket; one JSON object per line.
function watch() {
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
  const req = http.request({ socketPath: SOCKET, path: `/events?filters=${filters}` }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line);
        lastEvent = event.time;
        if (WATCHED.has(event.status)) notify(event);
      }
    });
    res.on('end', () => setTimeout(watch, 5000));
  });
  req.on('error', (err) => {
    console.error('docker socket:', err.message);
    setTimeout(watch, 5000);
  });
  req.end();
}

http
  .createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', lastEvent }));
      return;
    }
    res.writeHead(404);
    res.end();
  })
  .listen(PORT, () => console.log(`notifier listening on ${PORT}`));

watch();
