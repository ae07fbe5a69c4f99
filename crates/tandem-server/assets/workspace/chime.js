// Alert sounds synthesised with the Web Audio API, so no audio file is downloaded: a rising
// two-note chime when a conversation is given to the agent, one short note for a new customer
// message. Browsers let a page play sound only after the user has interacted with it, so the
// audio context is created (or resumed) on the first click or key press.

/** Each sound: notes as [frequency in Hz, start in s]. */
const SOUNDS = {
  assigned: [
    [659.25, 0],
    [987.77, 0.13],
  ],
  message: [[880, 0]],
};
const NOTE_SECONDS = 0.22;
const VOLUME = 0.18;

let context = null;

function unlock() {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!AudioContext) return;
  context = context || new AudioContext();
  if (context.state === "suspended") context.resume().catch(() => {});
}

/** Prepares audio on the user's first interactions (call once at start-up). */
export function prepareChime() {
  for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, unlock, { capture: true, passive: true });
}

/** Plays "assigned" or "message"; silent until the user has interacted with the page. */
export function playChime(kind) {
  if (!context || context.state !== "running") return;
  const start = context.currentTime + 0.01;
  for (const [frequency, offset] of SOUNDS[kind] || SOUNDS.message) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    // A quick attack and an exponential fade: a soft "ding" without clicks.
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(VOLUME, start + offset + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + NOTE_SECONDS);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + NOTE_SECONDS + 0.02);
  }
}

/** Plays the assignment chime from a click (the settings panel's "test" button). */
export async function testChime() {
  unlock();
  await context?.resume().catch(() => {});
  playChime("assigned");
}
