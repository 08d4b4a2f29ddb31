// People as the policy names them (Slack user id, email, Slack user group) and as they act.

export type PrincipalRef =
  | { readonly kind: "slack-user"; readonly id: string }
  | { readonly kind: "email"; readonly email: string }
  | { readonly kind: "usergroup"; readonly id: string };

/** The person acting, as far as policy needs to know them. */
export interface Person {
  readonly slackId: string;
  readonly email: string | null;
  /** The Slack user groups (ids) the person belongs to, among those the policy names. */
  readonly groups?: readonly string[];
}

export function isPerson(refs: readonly PrincipalRef[], person: Person): boolean {
  const email = person.email?.toLowerCase();
  return refs.some((ref) => {
    switch (ref.kind) {
      case "slack-user":
        return ref.id === person.slackId;
      case "email":
        return email !== undefined && ref.email.toLowerCase() === email;
      case "usergroup":
        return person.groups?.includes(ref.id) ?? false;
    }
  });
}

/** How a reference reads in Slack: a mention, a group mention, or the email. */
export function describeRef(ref: PrincipalRef): string {
  switch (ref.kind) {
    case "slack-user":
      return `<@${ref.id}>`;
    case "usergroup":
      return `<!subteam^${ref.id}>`;
    case "email":
      return ref.email;
  }
}
