// Preloaded (NODE_OPTIONS=--require) by record.mjs into `loom test --rerecord`: a request for
// https://api.anthropic.com goes to the local stand-in at LOOM_STAND_IN instead. Loom itself runs
// unchanged — the provider keeps its default endpoint, so the fixtures it records are keyed as a
// recording against the real API would be, and `loom test --replay` finds them on any machine.
const http = require('node:http');
const https = require('node:https');

const target = new URL(process.env.LOOM_STAND_IN);
const realRequest = https.request;

https.request = function request(url, options, callback) {
  const parsed = typeof url === 'string' || url instanceof URL ? new URL(url) : null;
  if (!parsed || parsed.hostname !== 'api.anthropic.com') return realRequest.apply(this, arguments);
  const local = new URL(parsed.pathname + parsed.search, target);
  return http.request(local, options, callback);
};
