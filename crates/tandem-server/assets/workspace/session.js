// The logged-in user and what their role allows.

let current = null;

export function setUser(user) {
  current = user;
}

export function user() {
  return current;
}

export const isAdmin = () => current?.role === "admin";
export const isSupervisor = () => current?.role === "admin" || current?.role === "supervisor";
