// Who runs an admin command that changes grants: the name recorded as the actor (`cli:<name>`), and
// the operating-system user and host recorded beside it.
import { hostname, userInfo } from "node:os";
import { UsageError } from "./io.js";

const ADMIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The operating-system user, or undefined when the system cannot say (no passwd entry for the uid). */
function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * Who really ran the command, recorded beside the actor: `--as` is whatever name was typed, so it
 * cannot hide the account and the machine it was typed on.
 */
export function whoRan(): { osUser: string | null; host: string } {
  return { osUser: osUser() ?? null, host: hostname() };
}

/** Who is acting: --as, or the operating-system user. Recorded as `cli:<name>`. */
export function adminName(option: string | undefined): string {
  const name = option ?? osUser();
  if (name === undefined) throw new UsageError("Cannot tell who you are from the operating system; name yourself with --as <name>.");
  if (!ADMIN_NAME.test(name)) throw new UsageError(`--as "${name}" is not a name: use letters, digits, ".", "_", "@" or "-".`);
  return name;
}
