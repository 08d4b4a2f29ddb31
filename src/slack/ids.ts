// Every action_id and callback_id the bot puts into Slack and listens for, in one place, so a view
// and the handler that hears it cannot drift apart. Slack sends them back verbatim in block_actions
// and view_submission payloads; renaming one strands the buttons and modals already posted.

/** Buttons on an approval request. */
export const ACTION_APPROVE = "jit_approve";
export const ACTION_DENY = "jit_deny";
/** Buttons on an extension request. */
export const ACTION_EXTENSION_APPROVE = "jit_ext_approve";
export const ACTION_EXTENSION_DENY = "jit_ext_deny";
/** Acknowledging a break-glass grant after the fact. */
export const ACTION_REVIEW = "jit_review_ack";
/** Marking a grant's activity digest (flagged actions, or break-glass access) reviewed. */
export const ACTION_REVIEW_ACTIVITY = "jit_activity_reviewed";
/** Buttons on the expiry warning. */
export const ACTION_EXTEND = "jit_extend";
export const ACTION_END_NOW = "jit_end_now";
/** Buttons only the Home tab has: open the request form, and ask again for an ended grant's target. */
export const ACTION_HOME_REQUEST = "jit_home_request";
export const ACTION_REQUEST_AGAIN = "jit_request_again";

/** Modals, by the callback_id of their view_submission. */
export const REQUEST_CALLBACK_ID = "jit_request";
export const EXTEND_CALLBACK_ID = "jit_extend";
export const DENY_REASON_CALLBACK_ID = "jit_deny_reason";
export const NOTICE_CALLBACK_ID = "jit_notice";
export const REVOKE_ALL_CALLBACK_ID = "jit_revoke_all";
export const REQUEST_AGAIN_CALLBACK_ID = "jit_request_again";
/** The Home tab view (views.publish). */
export const HOME_CALLBACK_ID = "jit_home";

/**
 * The request form's type-ahead pickers (external_select), used when the caller may request more
 * than a static list holds. Slack asks for their options in block_suggestion payloads naming these;
 * the permission-set picker's id carries the chosen account after a ".".
 */
export const ACCOUNT_SEARCH_ACTION = "jit_account_search";
export const PERMISSION_SET_SEARCH_ACTION = "jit_permission_set_search";
/** The form's group picker, type-ahead when the caller may request more groups than a static list holds. */
export const GROUP_SEARCH_ACTION = "jit_group_search";
