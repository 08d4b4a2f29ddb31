// The admin CLI's help text.

export const USAGE = `Usage: jit-admin <command> [options]

Commands:
  config check                 Validate the environment (.env) and the policy file as the bot does.
  grants list [--active]       List grants; --active: those holding or acquiring AWS access.
  grants revoke <grant-id>     End a grant now through the bot's revocation path, audited as you.
      --as <name>              Who you are in the audit trail (cli:<name>); default: your OS user.
                               Your OS user and host are recorded beside it either way.
  grants revoke --all          The incident switch: end every active grant now, each through the
                               bot's revocation path; prints them first and asks to confirm.
      --account <id|name>      Only those on this account.
      --permission-set <name>  Only those of this permission set (both: the two together).
      --reason "<why>"         Required; recorded with the switch and with every grant it ends.
      --yes                    Do not ask (needed when stdin is not a terminal, as in CI).
  audit export                 Write audit records as CSV (default) or JSON to stdout.
      --since, --from <date>   From this date or time (YYYY-MM-DD is midnight UTC).
      --until, --to <date>     Up to, not including, this date or time.
      --format csv|json
      --output <file>          Write to a file instead of stdout (readable by you only).
      --bundle <dir|file.jsonl>  Instead, evidence for the period that audit verify --bundle
                               checks without the database: the records, the checkpoints that
                               cover them, the public key (--public-key or --kms-key, or the
                               bot's), a manifest.
  audit verify                 Check the hash chain, every signed checkpoint, and that the
                               checkpoints match the chain; name the first record that differs
                               or is missing, and say what no checkpoint covers yet.
      --public-key <file>      The checkpoints' public key (PEM); repeat for several keys.
      --kms-key <id>           A KMS key whose public half checks them (KMS GetPublicKey).
                               Default: the public half of the bot's key (JIT_AUDIT_SIGNING_KEY_FILE
                               or JIT_AUDIT_KMS_KEY_ID).
      --anchors slack,file     Compare with independent copies too: the audit channel (its
                               posts' seqs and short hashes, and its checkpoints), the anchor
                               file (JIT_AUDIT_ANCHOR_FILE).
      --anchor-file <path>     A copy of the anchor file to compare with (implies file).
      --bundle <path>          Check a bundle from audit export --bundle, with no database.
  report --from <date> --to <date>
                               The user access review for the period (a bare --to date is its
                               last day): per account and permission set, who had access, how
                               often and how long, who approved, break-glass use, extensions;
                               charts; right-sizing hints; the audit chain's verdict.
      --account <id|name>      Only this account.
      --format html|json|csv   Default html: one self-contained file, no network.
      --output <file>          Write to a file (readable by you only) instead of stdout.
  audit keygen --out <file>    Make an Ed25519 key pair for signing checkpoints: the private key
                               (mode 0600) in <file>, the public key in <file>.pub.pem.
      --public-out <file>      Write the public key here instead.
  migrate                      Bring the database's schema up to date; on PostgreSQL as
                               DATABASE_MIGRATION_URL (the owner), granting DATABASE_URL's role
                               what the bot needs; exits 1 if that role could alter the audit trail.
  org refresh                  With organization.accounts: aws, read AWS Organizations now and print
                               the accounts each rule covers and the warnings; exits 1 when it cannot
                               be read or the policy does not resolve against it. Changes nothing: a
                               running bot reads it again every organization.refreshMinutes.
  reconcile [--dry-run]        Compare grants with AWS now: end grants whose assignment vanished,
                               delete assignments the bot left behind, report or remove standing
                               access per the policy's unmanagedAssignments. --dry-run changes
                               nothing and exits 1 when it finds drift.

Options for every command:
  --json                       Machine-readable output (all but audit export).
  --database <file>            Use this database instead of JIT_DATABASE_FILE
                               (grants list, audit export, audit verify).
  -h, --help                   Show this help.

Configuration comes from the environment and .env in the working directory, as for the bot.
Exit codes: 0 ok, 1 a problem was found or the command failed, 2 wrong usage.
`;
