// Reads a Chromium net log (--log-net-log) and lists the requests a page
// made: those whose initiator is an origin (the browser's own background
// requests have none). Exits 1 if the page asked for anything that is
// not a file: URL. Usage: node netlog_check.js NETLOG
'use strict';
const fs = require('fs');

const log = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const start = log.constants.logEventTypes.URL_REQUEST_START_JOB;
const outside = [];
for (const e of log.events) {
  const p = e.params || {};
  if (e.type !== start || typeof p.url !== 'string') continue;
  if (p.initiator === 'not an origin' || p.url.startsWith('file:')) continue;
  outside.push(`${p.url} (initiator ${p.initiator})`);
}
if (outside.length) {
  console.log(`the page loaded from outside:\n  ${outside.join('\n  ')}`);
  process.exit(1);
}
console.log('the page loaded nothing from outside');
