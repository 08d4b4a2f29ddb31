// Block Kit as Slack shows it, built with DOM nodes (never innerHTML), for what the bot sends:
// section, context, header, divider, actions with buttons, and a modal's inputs as form controls.
"use strict";

(() => {
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // Slack sends &amp; &lt; &gt; in mrkdwn; what stands between < and > is a link or a mention.
  const unescape = (text) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

  // Symbols a plain font has (no emoji font needed); any other :name: stays as a small label.
  const EMOJI = {
    lock: "\u25A3", unlock: "\u25A2", white_check_mark: "\u2714", ballot_box_with_check: "\u2611", x: "\u2716",
    warning: "\u26A0", hourglass: "\u25F4", hourglass_flowing_sand: "\u25F4", no_entry: "\u2298", no_entry_sign: "\u2298",
    inbox_tray: "\u2709", rotating_light: "\u203C", information_source: "\u2139", gear: "\u2699", eyes: "\u25C9",
    leftwards_arrow_with_hook: "\u21A9", arrow_double_up: "\u21C8", heavy_plus_sign: "+", shield: "\u25C8", memo: "\u270E",
    alarm_clock: "\u25F7", bell: "\u266A", mag: "\u2315", mag_right: "\u2315", door: "\u25AF", broom: "\u2736", fire: "\u2668",
  };

  function emoji(name) {
    return EMOJI[name] ? el("span", "emoji", EMOJI[name]) : el("span", "emoji-name", `:${name}:`);
  }

  function inline(text, parent, names) {
    const pattern = /(\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~|`[^`\n]+`|<[^>\n]+>|:[a-z][a-z0-9_+-]*:)/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) parent.append(unescape(text.slice(last, match.index)));
      const token = match[0];
      const inner = token.slice(1, -1);
      if (token[0] === "*") parent.append(el("strong", "", unescape(inner)));
      else if (token[0] === "_") parent.append(el("em", "", unescape(inner)));
      else if (token[0] === "~") parent.append(el("s", "", unescape(inner)));
      else if (token[0] === "`") parent.append(el("code", "", unescape(inner)));
      else if (token[0] === ":") parent.append(emoji(inner));
      else parent.append(reference(inner, names));
      last = match.index + token.length;
    }
    if (last < text.length) parent.append(unescape(text.slice(last)));
  }

  function reference(inner, names) {
    const [target, label] = inner.split("|");
    if (target.startsWith("@")) return el("strong", "mention", `@${names[target.slice(1)] ?? target.slice(1)}`);
    if (target.startsWith("#")) return el("strong", "mention", `#${label ?? names[target.slice(1)] ?? target.slice(1)}`);
    if (target.startsWith("!date")) return el("span", "", unescape(label ?? target));
    const link = el("a", "", unescape(label ?? target));
    if (/^https?:\/\//.test(target)) link.href = unescape(target);
    link.target = "_blank";
    link.rel = "noreferrer";
    return link;
  }

  function mrkdwn(text, names) {
    const out = el("div", "mrkdwn");
    text.split("\n").forEach((line, i) => {
      if (i > 0) out.append(el("br"));
      if (line.startsWith("&gt; ") || line.startsWith("> ")) {
        const quote = el("blockquote");
        inline(line.replace(/^(&gt;|>) /, ""), quote, names);
        out.append(quote);
      } else inline(line, out, names);
    });
    return out;
  }

  const textOf = (object, names) => {
    if (!object) return el("span");
    return object.type === "mrkdwn" ? mrkdwn(object.text ?? "", names) : el("span", "", object.text ?? "");
  };

  function button(element, ctx) {
    const node = el("button", `bk-button ${element.style ?? ""}`, element.text?.text ?? element.action_id);
    node.type = "button";
    node.dataset.actionId = element.action_id;
    if (element.url) node.onclick = () => window.open(element.url, "_blank", "noreferrer");
    else if (ctx.onClick) node.onclick = () => ctx.onClick(element);
    else node.disabled = true;
    return node;
  }

  function accessory(element, ctx) {
    if (element?.type === "button") return button(element, ctx);
    if (element?.type === "image") return el("span", "bk-hint", element.alt_text ?? "");
    return undefined;
  }

  function input(block, ctx) {
    const wrap = el("div", "bk-input");
    wrap.dataset.blockId = block.block_id;
    const label = el("label", "", block.label?.text ?? "");
    wrap.append(label);
    const element = block.element ?? {};
    let control;
    if (element.type === "static_select" || element.type === "multi_static_select") {
      control = el("select");
      control.multiple = element.type === "multi_static_select";
      if (!control.multiple) control.append(new Option(element.placeholder?.text ?? "Choose…", ""));
      const chosen = new Set([element.initial_option?.value, ...(element.initial_options ?? []).map((o) => o.value)]);
      for (const option of element.options ?? []) control.append(new Option(option.text?.text ?? option.value, option.value, false, chosen.has(option.value)));
      if (block.dispatch_action && ctx.onSelect) control.onchange = () => ctx.onSelect(block, element, control.value);
    } else if (element.type === "plain_text_input") {
      control = el(element.multiline ? "textarea" : "input");
      control.placeholder = element.placeholder?.text ?? "";
      if (element.initial_value) control.value = element.initial_value;
      if (element.max_length) control.maxLength = element.max_length;
    } else {
      control = el("input");
      control.disabled = true;
      control.placeholder = `(${element.type} is not shown in the demo)`;
    }
    control.dataset.actionId = element.action_id;
    control.dataset.type = element.type;
    control.name = block.block_id;
    label.htmlFor = control.id = `input-${block.block_id}`;
    wrap.append(control);
    if (block.hint) wrap.append(el("div", "bk-hint", block.hint.text));
    const error = ctx.errors?.[block.block_id];
    if (error) wrap.append(el("div", "bk-error", error));
    return wrap;
  }

  function block(b, ctx) {
    const names = ctx.names;
    switch (b.type) {
      case "header":
        return el("div", "bk-header", b.text?.text ?? "");
      case "divider":
        return el("hr", "bk-divider");
      case "context": {
        const node = el("div", "bk-context");
        for (const element of b.elements ?? []) node.append(element.type === "image" ? el("span", "", element.alt_text ?? "") : textOf(element, names));
        return node;
      }
      case "section": {
        const node = el("div", "bk-section");
        const row = el("div", "bk-section-row");
        const body = el("div");
        if (b.text) body.append(textOf(b.text, names));
        if (b.fields) {
          const fields = el("div", "bk-fields");
          for (const field of b.fields) fields.append(textOf(field, names));
          body.append(fields);
        }
        row.append(body);
        const side = accessory(b.accessory, ctx);
        if (side) row.append(side);
        node.append(row);
        return node;
      }
      case "actions": {
        const node = el("div", "bk-actions");
        for (const element of b.elements ?? []) if (element.type === "button") node.append(button(element, ctx));
        return node;
      }
      case "input":
        return input(b, ctx);
      default:
        return el("div", "bk-hint", `(a ${b.type} block)`);
    }
  }

  /** ctx: { names: {id: name}, onClick(button), onSelect(block, element, value), errors: {block_id: text} } */
  function render(blocks, ctx) {
    const out = el("div", "blocks");
    for (const b of blocks ?? []) out.append(block(b, ctx));
    return out;
  }

  window.BlockKit = { render, mrkdwn, el };
})();
