// The demo page: polls the workspace, shows the conversation chosen for the person chosen, and
// sends what they do to the demo server, which sends it to the bot as Slack would.
"use strict";

(() => {
  const { render, el } = window.BlockKit;
  const $ = (id) => document.getElementById(id);
  let state;
  let personId;
  let conversation = { kind: "channel", id: "" };
  const shown = { messages: "", modal: "", lists: "" };
  const nodes = new Map();

  const person = () => state.people.find((p) => p.slackId === personId);
  const names = () => Object.fromEntries([...state.people.map((p) => [p.slackId, p.key]), ...state.channels.map((c) => [c.id, c.name])]);

  async function post(path, body) {
    const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: personId, ...body }) });
    if (!res.ok) console.warn(path, (await res.json()).error);
    await refresh();
  }

  function currentChannel() {
    return conversation.kind === "dm" ? person().dm : conversation.id;
  }

  function renderLists() {
    const sig = JSON.stringify([personId, conversation, state.channels.map((c) => c.messages.length), person().dmMessages.length]);
    if (sig === shown.lists) return;
    shown.lists = sig;
    $("channels").replaceChildren(
      ...state.channels.map((channel) => {
        const item = el("li", conversation.kind === "channel" && conversation.id === channel.id ? "current" : "", `# ${channel.name}`);
        item.dataset.channel = channel.name;
        item.onclick = () => choose({ kind: "channel", id: channel.id });
        return item;
      }),
    );
    const dm = el("li", conversation.kind === "dm" ? "current" : "", "jit-slack (demo)");
    dm.dataset.channel = "dm";
    dm.onclick = () => choose({ kind: "dm" });
    $("dms").replaceChildren(dm);
  }

  function messageNode(message, isPrivate) {
    const node = el("div", `message${isPrivate ? " private" : ""}`);
    const head = el("div");
    head.append(el("span", "author", "jit-slack"), el("span", "app-badge", "APP"), el("span", "demo-badge", "DEMO"));
    if (isPrivate) head.append(el("span", "only-you", "Only visible to you"));
    if (message.edited) head.append(el("span", "edited", " (edited)"));
    node.append(head);
    const ctx = {
      names: names(),
      onClick: isPrivate ? undefined : (button) => post("/api/click", { channel: message.channel, ts: message.ts, actionId: button.action_id, value: button.value ?? "" }),
    };
    node.append(message.blocks.length > 0 ? render(message.blocks, ctx) : window.BlockKit.mrkdwn(message.text, ctx.names));
    return node;
  }

  function renderMessages() {
    const channel = currentChannel();
    const me = person();
    const messages = conversation.kind === "dm" ? me.dmMessages : state.channels.find((c) => c.id === channel).messages;
    const mine = me.private.filter((reply) => reply.channel === channel);
    const sig = JSON.stringify([personId, channel, messages, mine]);
    if (sig === shown.messages) return;
    shown.messages = sig;
    // A message's node is kept while it is unchanged, so a button is never replaced under the pointer.
    const reuse = (key, item, isPrivate) => {
      const sig = JSON.stringify(item);
      const cached = nodes.get(key);
      if (cached?.sig === sig) return cached.node;
      const node = messageNode(item, isPrivate);
      nodes.set(key, { sig, node });
      return node;
    };
    const items = [
      ...messages.map((m) => ({ at: Number(m.ts) * 1000, node: () => reuse(`${m.channel}:${m.ts}`, m, false) })),
      ...mine.map((r, i) => ({ at: r.at, node: () => reuse(`${personId}:${r.channel}:${r.at}:${i}`, r, true) })),
    ];
    items.sort((a, b) => a.at - b.at);
    $("title").textContent = conversation.kind === "dm" ? `${me.name} ↔ jit-slack (demo)` : `# ${state.channels.find((c) => c.id === channel).name}`;
    const box = $("messages");
    box.replaceChildren(...items.map((item) => item.node()));
    box.scrollTop = box.scrollHeight;
  }

  function formValues(form) {
    const values = {};
    for (const control of form.querySelectorAll("[data-action-id]")) {
      if (!control.name) continue;
      const { actionId, type } = control.dataset;
      let value;
      if (type === "static_select" && control.value) value = { type, selected_option: { text: { type: "plain_text", text: control.selectedOptions[0].text }, value: control.value } };
      else if (type === "multi_static_select") value = { type, selected_options: [...control.selectedOptions].map((o) => ({ text: { type: "plain_text", text: o.text }, value: o.value })) };
      else if (type === "plain_text_input") value = { type, value: control.value === "" ? null : control.value };
      else if (type === "static_select") value = { type, selected_option: null };
      if (value) values[control.name] = { [actionId]: value };
    }
    return values;
  }

  // Slack keeps what was entered across views.update while block_id and action_id stay the same.
  function keepTyped(old, form) {
    if (!old) return;
    for (const before of old.querySelectorAll("[data-action-id]")) {
      const now = form.querySelector(`[name="${CSS.escape(before.name)}"][data-action-id="${CSS.escape(before.dataset.actionId)}"]`);
      if (!now || !before.value) continue;
      if (before.multiple) for (const option of now.options) option.selected = [...before.selectedOptions].some((o) => o.value === option.value);
      else if (now.tagName !== "SELECT" || [...now.options].some((o) => o.value === before.value)) now.value = before.value;
    }
  }

  function renderModal() {
    const modal = person().modal;
    const sig = modal ? JSON.stringify([personId, modal.id, modal.view.hash, modal.errors]) : "";
    if (sig === shown.modal) return;
    shown.modal = sig;
    const overlay = $("modal");
    if (!modal) {
      overlay.hidden = true;
      overlay.replaceChildren();
      return;
    }
    const form = el("form", "modal-box");
    form.append(el("h2", "", `${modal.view.title?.text ?? ""} · demo`));
    const ctx = {
      names: names(),
      errors: modal.errors ?? {},
      onSelect: (block, element, value) => post("/api/select", { viewId: modal.id, blockId: block.block_id, actionId: element.action_id, value, values: formValues(form) }),
      onClick: undefined,
    };
    form.append(render(modal.blocks, ctx));
    const buttons = el("div", "modal-buttons");
    const close = el("button", "bk-button", modal.view.close?.text ?? "Close");
    close.type = "button";
    close.onclick = () => post("/api/close", { viewId: modal.id });
    buttons.append(close);
    if (modal.view.submit) {
      const submit = el("button", "bk-button primary", modal.view.submit.text);
      submit.type = "submit";
      buttons.append(submit);
    }
    form.append(buttons);
    form.onsubmit = (event) => {
      event.preventDefault();
      post("/api/submit", { viewId: modal.id, values: formValues(form) });
    };
    keepTyped(overlay.querySelector("form"), form);
    overlay.replaceChildren(form);
    overlay.hidden = false;
  }

  function remaining(ms) {
    if (ms <= 0) return "expiring…";
    const s = Math.ceil(ms / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${h > 0 ? `${h}h ` : ""}${h > 0 || m > 0 ? `${m}m ` : ""}${s % 60}s`;
  }

  let clockOffset = 0;
  function renderAws() {
    const list = state.aws.assignments;
    const now = Date.now() + clockOffset;
    $("assignments").replaceChildren(
      ...(list.length === 0
        ? [el("p", "muted", "No assignments. Approved access appears here while it lasts.")]
        : list.map((a) => {
            const card = el("div", "assignment");
            card.dataset.person = a.person;
            card.append(el("div", "", `${a.person} → ${a.permissionSet}`), el("div", "muted", a.account));
            card.append(a.expiresAt ? el("div", "countdown", remaining(a.expiresAt - now)) : el("div", "muted", a.status));
            return card;
          })),
    );
    const fence = state.aws.fence;
    $("fence").replaceChildren(
      ...(fence.length === 0
        ? [el("p", "muted", "Nobody is fenced. When a grant ends, its user's older role sessions are denied here.")]
        : fence.map((f) => {
            const card = el("div", "fenced");
            card.dataset.person = f.person;
            card.append(el("div", "", `${f.person} → ${f.permissionSet}`), el("div", "muted", f.account));
            card.append(
              el("div", "muted", `sessions issued before ${new Date(f.fencedBefore).toLocaleTimeString()} are denied`),
              el("div", "countdown", `lifted in ${remaining(f.liftAt - now)}`),
            );
            return card;
          })),
    );
  }

  function choose(next) {
    conversation = next;
    renderAll();
  }

  function renderAll() {
    renderLists();
    renderMessages();
    renderModal();
    renderAws();
  }

  async function refresh() {
    const res = await fetch("/api/state");
    state = await res.json();
    clockOffset = state.now - Date.now();
    if (!personId) {
      personId = state.people[0].slackId;
      conversation = { kind: "channel", id: state.channels[0].id };
      $("person").replaceChildren(...state.people.map((p) => new Option(`${p.name} · ${p.role}`, p.slackId)));
      $("person").onchange = () => {
        personId = $("person").value;
        renderAll();
      };
    }
    renderAll();
  }

  $("composer").onsubmit = (event) => {
    event.preventDefault();
    const text = $("command").value;
    $("command").value = "/jit ";
    post("/api/command", { channel: currentChannel(), text });
  };

  refresh();
  setInterval(refresh, 700);
  setInterval(() => state && renderAws(), 250);
})();
