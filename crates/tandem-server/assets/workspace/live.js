// The workspace WebSocket: reconnects with back-off (1 s doubling to 30 s), pings to keep the
// connection alive, and hands every frame to the listeners. After a reconnect it emits a
// synthetic {type: "resync"} so views reload what they may have missed.

const listeners = new Set();
let socket = null;
let retryDelay = 1000;
let retryTimer = null;
let pingTimer = null;
let wanted = false;
let connectedBefore = false;

export function onFrame(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(frame) {
  for (const fn of listeners) fn(frame);
}

export function connect() {
  wanted = true;
  if (socket) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/api/v1/ws`);
  socket = ws;
  ws.addEventListener("open", () => {
    retryDelay = 1000;
    pingTimer = setInterval(() => send({ type: "ping" }), 25000);
    if (connectedBefore) emit({ type: "resync" });
    connectedBefore = true;
  });
  ws.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    emit(frame);
  });
  ws.addEventListener("close", () => {
    if (socket !== ws) return;
    clearInterval(pingTimer);
    socket = null;
    if (!wanted) return;
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  });
}

export function disconnect() {
  wanted = false;
  connectedBefore = false;
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  const ws = socket;
  socket = null;
  if (ws) ws.close();
}

/** Sends a frame if the socket is open; returns whether it was sent. */
export function send(frame) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(frame));
  return true;
}
