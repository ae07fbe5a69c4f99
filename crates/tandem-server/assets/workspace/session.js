// The logged-in user, what their role allows, and whether they must enrol in two-factor
// authentication before anything else.

let current = null;
let mustEnrol = false;

export function setUser(user) {
  current = user;
}

export function user() {
  return current;
}

export const isAdmin = () => current?.role === "admin";
export const isSupervisor = () => current?.role === "admin" || current?.role === "supervisor";

/** The account requires two-factor authentication and this user has not enabled it yet. */
export const mustEnrolTwoFactor = () => mustEnrol;

export function setMustEnrolTwoFactor(value) {
  mustEnrol = Boolean(value);
}
