// Finishes a job every second and counts it in redis (INCR jobs:done), speaking
// RESP over a plain socket. --check: healthy when the last job is recent.
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');

const beat = path.join(os.tmpdir(), 'worker-heartbeat');

if (process.argv.includes('--check')) {
  try {
    process.exit(Date.now() - fs.statSync(beat).mtimeMs < 5000 ? 0 : 1);
  } catch {
    process.exit(1);
  }
}

function command(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

const sock = net.connect(6379, process.env.REDIS_HOST || 'queue');
sock.setEncoding('utf8');
sock.on('data', (d) => {
  const m = /^:(\d+)/.exec(d);
  if (m) {
    fs.writeFileSync(beat, m[1]);
    console.log(`worker: ${m[1]} jobs done`);
  }
});
sock.on('error', (err) => {
  console.error(`worker: ${err.message}`);
  process.exit(1);
});
setInterval(() => sock.write(command(['INCR', 'jobs:done'])), 1000);
