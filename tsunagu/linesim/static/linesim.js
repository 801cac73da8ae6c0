// The simulator page: every action goes through the /_sim JSON API (which sends the signed
// webhook); the chat and the list of users are polled once a second. Bot content is
// rendered with textContent only: it comes from the system under test.
"use strict";

const WORDS = JSON.parse(document.getElementById("words").textContent);
let currentUser = null;
let lastChatJson = "";
let lastStateJson = "";

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(message) {
  const box = document.getElementById("error");
  box.hidden = !message;
  box.textContent = message ? `${WORDS.error}: ${message}` : "";
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const fields = (data.errors || []).map((e) => `${e.field}: ${e.message}`).join(", ");
    showError(`${data.detail || response.status}${fields ? " (" + fields + ")" : ""}`);
    return null;
  }
  showError("");
  if (data.webhook && data.webhook.status !== 200) {
    showError(`webhook ${data.webhook.status ?? ""} ${data.webhook.error ?? ""}`);
  }
  await refresh();
  return data;
}

function userAction(userId, action) {
  return call("POST", `/_sim/users/${encodeURIComponent(userId)}/${action}`, {});
}

function sendMessage(message) {
  return call("POST", `/_sim/users/${encodeURIComponent(currentUser)}/messages`, { message });
}

function pressAction(action) {
  if (action.type === "postback") {
    const body = { data: action.data };
    if (action.displayText) body.display_text = action.displayText;
    return call("POST", `/_sim/users/${encodeURIComponent(currentUser)}/postback`, body);
  }
  if (action.type === "message") return sendMessage({ type: "text", text: action.text });
  if (action.type === "uri") window.open(action.uri, "_blank", "noopener");
  return null;
}

function actionButton(action) {
  const button = el("button", { type: "button" }, action.label || action.displayText || action.text || action.data || "?");
  button.addEventListener("click", () => pressAction(action));
  return button;
}

function renderUsers(state) {
  document.getElementById("webhook-url").textContent = state.webhook_url;
  document.getElementById("quota").textContent = `${state.total_usage} / ${state.monthly_limit}`;
  document.getElementById("rate-limited").checked = state.rate_limited;
  const list = document.getElementById("user-list");
  list.replaceChildren();
  for (const user of state.users) {
    const item = el("li", { class: user.user_id === currentUser ? "current" : "", "data-user-id": user.user_id });
    item.append(el("strong", {}, user.display_name), " ", el("span", { class: "friendship" }, WORDS[user.friendship]));
    const buttons = el("div");
    if (user.friendship !== "friend") {
      const follow = el("button", { type: "button" }, user.friendship === "blocked" ? WORDS.unblock : WORDS.follow);
      follow.addEventListener("click", (event) => { event.stopPropagation(); userAction(user.user_id, "follow"); });
      buttons.append(follow);
    } else {
      const block = el("button", { type: "button" }, WORDS.block);
      block.addEventListener("click", (event) => { event.stopPropagation(); userAction(user.user_id, "block"); });
      buttons.append(block);
    }
    item.append(buttons);
    item.addEventListener("click", () => { currentUser = user.user_id; lastChatJson = ""; refresh(); });
    list.append(item);
  }
}

function bubbleFor(item) {
  const message = item.message;
  const bubble = el("div", { class: "bubble" + (item.unsent ? " unsent" : "") });
  if (item.unsent) {
    bubble.textContent = WORDS.unsent;
    return bubble;
  }
  if (message.type === "text" || message.type === "textV2" || message.type === "postback") {
    bubble.textContent = message.text;
  } else if (message.type === "sticker") {
    bubble.textContent = `[${WORDS.sticker} ${message.packageId}/${message.stickerId}]`;
  } else if (message.type === "image") {
    bubble.textContent = `[${WORDS.image}]`;
  } else if (message.type === "template") {
    const template = message.template || {};
    bubble.append(el("span", {}, template.title ? `${template.title}\n` : ""), el("span", {}, template.text || message.altText || ""));
    for (const action of template.actions || []) bubble.append(actionButton(action));
  } else {
    bubble.textContent = message.altText || `[${message.type}]`;
  }
  return bubble;
}

function renderChat(chat) {
  const header = document.getElementById("chat-header");
  header.replaceChildren(el("strong", {}, chat.user.display_name), " ", el("span", {}, WORDS[chat.user.friendship]));
  document.getElementById("compose").hidden = chat.user.friendship !== "friend";
  document.getElementById("typing").hidden = !chat.user.loading;
  const list = document.getElementById("chat");
  list.replaceChildren();
  for (const item of chat.items) {
    const row = el("li", { class: item.direction });
    const time = new Date(item.at_ms).toLocaleTimeString("ja-JP", { timeZone: "Asia/Tokyo" });
    let meta = time;
    if (item.via) meta += ` ${WORDS["via_" + item.via]}`;
    if (!item.delivered) meta += ` ${WORDS.not_delivered}`;
    if (item.read) meta = `${WORDS.read} ${meta}`;
    const metaNode = el("span", { class: "meta" }, meta);
    if (item.direction === "in" && !item.unsent && item.message.id) {
      const unsend = el("button", { type: "button", class: "unsend" }, WORDS.unsend);
      unsend.addEventListener("click", () => call("POST", `/_sim/users/${encodeURIComponent(currentUser)}/unsend`, { message_id: item.message.id }));
      metaNode.append(" ", unsend);
    }
    if (item.direction === "in") row.append(metaNode, bubbleFor(item));
    else row.append(bubbleFor(item), metaNode);
    list.append(row);
  }
  list.scrollTop = list.scrollHeight;
  // Quick replies belong to the latest message only, and vanish once the user acts.
  const quick = document.getElementById("quick-replies");
  quick.replaceChildren();
  const last = chat.items[chat.items.length - 1];
  if (last && last.direction === "out" && last.message.quickReply) {
    for (const entry of last.message.quickReply.items || []) quick.append(actionButton(entry.action || {}));
  }
}

function renderDeliveries(deliveries) {
  const list = document.getElementById("delivery-list");
  list.replaceChildren();
  for (const delivery of deliveries.slice(-30).reverse()) {
    const event = delivery.events[0] || {};
    const redelivery = event.deliveryContext && event.deliveryContext.isRedelivery ? " ↻" : "";
    const item = el("li", { class: delivery.status === 200 ? "" : "failed" },
      `${event.type}${redelivery} — ${WORDS.status} ${delivery.status ?? WORDS.failed} `);
    const again = el("button", { type: "button" }, WORDS.redeliver);
    again.addEventListener("click", () => call("POST", `/_sim/events/${encodeURIComponent(event.webhookEventId)}/redeliver`, {}));
    item.append(again);
    list.append(item);
  }
}

async function refresh() {
  const state = await (await fetch("/_sim/state")).json();
  const stateJson = JSON.stringify(state);
  if (stateJson !== lastStateJson) { lastStateJson = stateJson; renderUsers(state); }
  renderDeliveries((await (await fetch("/_sim/deliveries")).json()).items);
  if (currentUser) {
    const answer = await fetch(`/_sim/users/${encodeURIComponent(currentUser)}/chat`);
    if (answer.ok) {
      const text = await answer.text();
      if (text !== lastChatJson) { lastChatJson = text; renderChat(JSON.parse(text)); }
    }
  }
}

document.getElementById("new-user").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("new-user-name");
  const user = await call("POST", "/_sim/users", { display_name: input.value });
  if (user) { input.value = ""; currentUser = user.user_id; lastChatJson = ""; refresh(); }
});

document.getElementById("compose").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("compose-text");
  if (!input.value) return;
  if (await sendMessage({ type: "text", text: input.value })) input.value = "";
});

for (const button of document.querySelectorAll("button.sticker")) {
  button.addEventListener("click", () => sendMessage({ type: "sticker", package_id: button.dataset.packageId, sticker_id: button.dataset.stickerId }));
}

document.getElementById("compose-image").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const base64 = String(reader.result).split(",", 2)[1];
    sendMessage({ type: "image", content_type: file.type, data_base64: base64 });
    event.target.value = "";
  };
  reader.readAsDataURL(file);
});

document.getElementById("rate-limited").addEventListener("change", (event) => {
  call("PUT", "/_sim/settings", { rate_limited: event.target.checked });
});

refresh();
setInterval(refresh, 1000);
