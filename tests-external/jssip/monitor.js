// JsSIP as a SmartPlus-style client over secure WebSocket (RFC 7118): registers an account
// with Porter, answers the first call, and exits 0 once the caller has hung up.
//
//   node monitor.js wss://HOST:PORT NUMBER PASSWORD
//
// Prints "registered", then "confirmed" when the call is up and "ended" when the caller hangs
// up. Trust Porter's certificate with NODE_EXTRA_CA_CERTS. The SIP signalling is JsSIP's own;
// node has no WebRTC, so a stand-in peer connection below answers the SDP offer with a
// fixed audio description (media is not what this client tests).
'use strict';

const JsSIP = require('jssip');
const NodeWebSocket = require('jssip-node-websocket');

const [url, number, password] = process.argv.slice(2);
if (!url || !number || !password) {
  console.error('usage: node monitor.js wss://HOST:PORT NUMBER PASSWORD');
  process.exit(64);
}

class StandInPeerConnection {
  constructor() {
    this.iceGatheringState = 'complete';
    this.iceConnectionState = 'connected';
    this.signalingState = 'stable';
    this.localDescription = null;
    this.remoteDescription = null;
  }
  addEventListener() {}
  removeEventListener() {}
  addTrack() {}
  getSenders() { return []; }
  getReceivers() { return []; }
  getLocalStreams() { return []; }
  getRemoteStreams() { return []; }
  close() {}
  setRemoteDescription(d) { this.remoteDescription = d; return Promise.resolve(); }
  setLocalDescription(d) { this.localDescription = d; return Promise.resolve(); }
  createOffer() { return Promise.resolve({ type: 'offer', sdp: sdp() }); }
  createAnswer() { return Promise.resolve({ type: 'answer', sdp: sdp() }); }
}

function sdp() {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=audio 40000 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

global.window = global;
global.RTCPeerConnection = StandInPeerConnection;
global.RTCSessionDescription = class {
  constructor(d) { Object.assign(this, d); }
};

const host = new URL(url).hostname;
const ua = new JsSIP.UA({
  sockets: [new NodeWebSocket(url)],
  uri: `sip:${number}@${host}`,
  password,
  register: true,
  session_timers: false,
});

const done = (code, why) => {
  console.log(why);
  ua.stop();
  setTimeout(() => process.exit(code), 300);
};

ua.on('registered', () => console.log('registered'));
ua.on('registrationFailed', (e) => done(2, `registration failed: ${e.cause}`));
ua.on('newRTCSession', ({ session, originator }) => {
  if (originator !== 'remote') return;
  session.on('confirmed', () => console.log('confirmed'));
  session.on('ended', () => done(0, 'ended'));
  session.on('failed', (e) => done(3, `failed: ${e.cause}`));
  session.answer({ mediaConstraints: { audio: false, video: false } });
});
ua.start();
setTimeout(() => done(4, 'timed out'), 30000);
