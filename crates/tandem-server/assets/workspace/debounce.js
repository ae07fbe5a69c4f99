// Runs a function once calls to it have paused for a while (search boxes as the user types).

/** A function that calls `fn` with its latest arguments `ms` after the last call; `.cancel()`
 * drops a pending call. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}
