/* commentsvc widget: <div id="commentsvc" data-site="demo" data-article="hello-world"></div>
   <script src="https://comments.example.org/embed.js" async></script>
   Plain JavaScript, no dependencies, no cookies. User text goes in through textContent and
   attributes only; body_html (sanitised by the server) through a template element. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src$="embed.js"]');
  if (!script) return;
  var SRC = script.src;
  var API = new URL("api/v1/", SRC).href;
  var AUTHOR_KEY = "commentsvc.author";
  var EDIT_PREFIX = "commentsvc.edit.";

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (kid) { if (kid) node.append(kid); });
    return node;
  }

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage off: nothing is remembered */ }
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function call(method, path, body, headers) {
    var init = { method: method, credentials: "omit", headers: headers || {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (r) {
      return (r.status === 204 ? Promise.resolve({}) : r.json().catch(function () { return {}; }))
        .then(function (data) { return { status: r.status, data: data, response: r }; });
    });
  }

  function ownEdits(site, article) {
    var mine = {};
    var now = Date.now();
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key.indexOf(EDIT_PREFIX) !== 0) continue;
        var entry = load(key);
        if (!entry || Date.parse(entry.expires) <= now) { localStorage.removeItem(key); continue; }
        if (entry.site === site && entry.article === article) mine[entry.comment.id] = entry;
      }
    } catch (e) { /* storage off */ }
    return mine;
  }

  function Widget(root) {
    this.root = root;
    this.site = root.getAttribute("data-site");
    this.article = root.getAttribute("data-article") || location.pathname;
    this.title = root.getAttribute("data-title");
    this.perPage = parseInt(root.getAttribute("data-per-page"), 10) || 50;
    this.path = "sites/" + encodeURIComponent(this.site) + "/articles/" +
      encodeURIComponent(this.article) + "/";
    this.page = 1;
    this.shown = {};
    root.classList.add("commentsvc");
    root.textContent = "";
    this.heading = el("h2", { "class": "commentsvc-title", hidden: "" });
    this.list = el("ol", { "class": "commentsvc-list" });
    this.more = el("button", { type: "button", "class": "commentsvc-more", hidden: "",
                               text: "Show more comments" });
    this.more.addEventListener("click", this.loadPage.bind(this));
    this.buildForm();
    root.append(this.heading, this.list, this.more, this.respond);
    this.refreshToken();
    this.loadPage();
  }

  Widget.prototype.loadPage = function () {
    var self = this;
    var query = "comments?page=" + this.page + "&per_page=" + this.perPage;
    return call("GET", this.path + query).then(function (r) {
      if (r.status !== 200) return self.notify(r.data.message || "Comments could not be loaded.", true);
      self.edits = ownEdits(self.site, self.article);
      var count = r.data.count;
      self.heading.hidden = count === 0;
      self.heading.textContent = (count === 1 ? "One " : count + " ") +
        (self.title ? (count === 1 ? "thought" : "thoughts") + " on \u201c" + self.title + "\u201d"
                    : (count === 1 ? "comment" : "comments"));
      if (self.page === 1) {
        self.form.hidden = !r.data.comments_open;
        self.closed.hidden = r.data.comments_open;
      }
      r.data.comments.forEach(function (c) { self.list.append(self.renderComment(c, false)); });
      self.more.hidden = r.data.page >= r.data.pages;
      if (self.page === 1) self.showOwnPending();
      self.page += 1;
    }, function () { self.notify("The comment service could not be reached.", true); });
  };

  Widget.prototype.showOwnPending = function () {
    for (var id in this.edits) {
      if (this.shown[id]) continue;
      var entry = this.edits[id];
      this.placeComment(entry.comment, entry.pending !== false);
    }
  };

  Widget.prototype.placeComment = function (comment, pending) {
    var parent = comment.parent_id && this.shown[comment.parent_id];
    var node = this.renderComment(comment, pending);
    if (parent) {
      var children = parent.querySelector(":scope > .commentsvc-children");
      if (!children) parent.append(children = el("ol", { "class": "commentsvc-children" }));
      children.append(node);
    } else {
      this.list.append(node);
    }
    return node;
  };

  Widget.prototype.renderComment = function (c, pending) {
    var self = this;
    var author = c.author || {};
    var name;
    if (author.url && /^https?:\/\//i.test(author.url)) {
      name = el("a", { href: author.url, rel: "nofollow ugc noopener" }, [el("bdi", { text: author.name })]);
    } else {
      name = el("span", {}, [el("bdi", { text: author.name })]);
    }
    var when = el("time", { datetime: c.created_at, text: new Date(c.created_at).toLocaleString() });
    var content = el("div", { "class": "commentsvc-content", dir: "auto" });
    var tpl = document.createElement("template");
    tpl.innerHTML = c.body_html;  // sanitised on the server; never names or urls
    content.append(tpl.content);
    if (c.text) content.firstChild.textContent = c.text;
    var actions = el("div", { "class": "commentsvc-actions" });
    var li = el("li", { "class": "commentsvc-comment" + (pending ? " commentsvc-pending" : ""),
                        id: "comment-" + c.id }, [
      el("article", {}, [
        el("footer", { "class": "commentsvc-meta" }, [
          el("img", { "class": "commentsvc-avatar", alt: "", width: "40", height: "40",
                      src: new URL(author.avatar || "avatars/anonymous.svg", SRC).href }),
          el("b", { "class": "commentsvc-author" }, [name]), " ",
          el("a", { "class": "commentsvc-permalink", href: "#comment-" + c.id }, [when]),
          c.edited_at ? el("span", { "class": "commentsvc-edited", text: " (edited)" }) : null,
        ]),
        pending ? el("p", { "class": "commentsvc-awaiting",
                            text: "Awaiting moderation. Only you can see this comment." }) : null,
        content,
        actions,
      ]),
    ]);
    this.shown[c.id] = li;
    if (!pending && !this.form.hidden) {
      var reply = el("button", { type: "button", "class": "commentsvc-reply",
                                 "aria-label": "Reply to " + author.name, text: "Reply" });
      reply.addEventListener("click", function () { self.replyTo(c, li, reply); });
      actions.append(reply);
    }
    var entry = this.edits && this.edits[c.id];
    if (entry) {
      if (!pending) entry.pending = false;  // published since it was posted
      this.addEditControls(entry, li, content, actions);
    }
    (c.replies || []).forEach(function (r) {
      var children = li.querySelector(":scope > .commentsvc-children");
      if (!children) li.append(children = el("ol", { "class": "commentsvc-children" }));
      children.append(self.renderComment(r, false));
    });
    return li;
  };

  Widget.prototype.field = function (name, label, type, attrs) {
    var id = "commentsvc-" + name;
    var input = el(type === "textarea" ? "textarea" : "input", Object.assign({
      id: id, name: name, type: type === "textarea" ? null : type,
      "aria-describedby": id + "-error",
    }, attrs));
    var labelNode = el("label", { "for": id, text: label.replace(" *", "") });
    if (/\*$/.test(label)) labelNode.append(" ", el("span", { "class": "commentsvc-required", text: "*" }));
    var error = el("span", { "class": "commentsvc-error", id: id + "-error" });
    this.inputs[name] = input;
    this.errors[name] = error;
    return el("p", { "class": "commentsvc-field commentsvc-field-" + name }, [labelNode, input, error]);
  };

  Widget.prototype.buildForm = function () {
    var self = this;
    this.inputs = {};
    this.errors = {};
    this.titleText = el("span", { text: "Leave a Reply" });
    this.cancel = el("button", { type: "button", "class": "commentsvc-cancel", hidden: "",
                                 text: "Cancel reply" });
    this.cancel.addEventListener("click", function () { self.cancelReply(true); });
    this.notice = el("div", { "class": "commentsvc-notice", role: "status", "aria-live": "polite",
                              tabindex: "-1" });
    this.remember = el("input", { type: "checkbox", id: "commentsvc-remember", name: "remember" });
    this.submit = el("button", { type: "submit", "class": "commentsvc-submit", text: "Post Comment" });
    var honeypot = this.field("fax", "Fax", "text", { tabindex: "-1", autocomplete: "off" });
    honeypot.className = "commentsvc-hp";
    honeypot.setAttribute("aria-hidden", "true");
    this.form = el("form", { "class": "commentsvc-form", novalidate: "" }, [
      el("p", { "class": "commentsvc-notes" }, [
        el("span", { id: "commentsvc-email-notes", text: "Your email address will not be published." }),
        " Required fields are marked ", el("span", { "class": "commentsvc-required", text: "*" }),
      ]),
      this.field("body", "Comment", "textarea", { rows: "8", maxlength: "5000", required: "" }),
      this.field("name", "Name *", "text", { maxlength: "100", autocomplete: "name", required: "" }),
      this.field("email", "Email *", "email", { maxlength: "254", autocomplete: "email", required: "" }),
      this.field("url", "Website", "url", { maxlength: "200", autocomplete: "url" }),
      honeypot,
      el("p", { "class": "commentsvc-remember" }, [this.remember, " ", el("label", {
        "for": "commentsvc-remember",
        text: "Save my name, email, and website in this browser for the next time I comment." })]),
      el("p", { "class": "commentsvc-submit-row" }, [this.submit]),
    ]);
    this.inputs.email.setAttribute("aria-describedby", "commentsvc-email-notes commentsvc-email-error");
    this.closed = el("p", { "class": "commentsvc-closed", hidden: "", text: "Comments are closed." });
    this.respond = el("div", { "class": "commentsvc-respond", id: "respond" }, [
      el("h3", { "class": "commentsvc-reply-title" }, [this.titleText, " ", this.cancel]),
      this.notice, this.closed, this.form,
    ]);
    this.home = this.respond;  // where the form returns after a reply
    var saved = load(AUTHOR_KEY);
    if (saved) {
      ["name", "email", "url"].forEach(function (k) { self.inputs[k].value = saved[k] || ""; });
      this.remember.checked = true;
    }
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.post(); });
  };

  Widget.prototype.refreshToken = function () {
    var self = this;
    this.token = null;
    call("GET", this.path + "form").then(function (r) {
      if (r.status === 200) self.token = r.data.form_token;
    }, function () { /* posting still works; the token only helps the spam checks */ });
  };

  Widget.prototype.replyTo = function (c, li, button) {
    this.parentId = c.id;
    this.replyButton = button;
    this.titleText.textContent = "Reply to ";
    this.titleText.append(el("bdi", { text: c.author.name }));
    this.cancel.hidden = false;
    li.querySelector(":scope > article").after(this.respond);
    this.inputs.body.focus();
  };

  Widget.prototype.cancelReply = function (focus) {
    var button = this.replyButton;
    this.parentId = null;
    this.replyButton = null;
    this.titleText.textContent = "Leave a Reply";
    this.cancel.hidden = true;
    this.root.append(this.respond);
    if (focus && button) button.focus();
  };

  Widget.prototype.notify = function (text, isError) {
    this.notice.textContent = text;
    this.notice.classList.toggle("commentsvc-notice-error", !!isError);
    this.notice.setAttribute("role", isError ? "alert" : "status");
  };

  Widget.prototype.clearErrors = function () {
    for (var k in this.errors) {
      this.errors[k].textContent = "";
      this.inputs[k].removeAttribute("aria-invalid");
    }
    this.notify("", false);
  };

  Widget.prototype.post = function () {
    var self = this;
    var v = {};
    ["body", "name", "email", "url", "fax"].forEach(function (k) { v[k] = self.inputs[k].value; });
    var payload = { name: v.name, email: v.email, url: v.url, body: v.body, fax: v.fax,
                    parent_id: this.parentId || null, form_token: this.token };
    this.clearErrors();
    this.submit.disabled = true;
    call("POST", this.path + "comments", payload).then(function (r) {
      self.submit.disabled = false;
      if (r.status === 201 || r.status === 202) return self.posted(r.data, v);
      if (r.status === 422 && r.data.fields) {
        var first = null;
        for (var k in r.data.fields) {
          if (!self.errors[k]) continue;
          self.errors[k].textContent = r.data.fields[k];
          self.inputs[k].setAttribute("aria-invalid", "true");
          first = first || self.inputs[k];
        }
        self.notify(r.data.message || "Some fields are not valid.", true);
        return (first || self.notice).focus();
      }
      var text = r.data.message || "Your comment could not be posted.";
      var wait = r.response.headers.get("Retry-After");
      if (r.status === 429 && wait) text += " Please try again in " + wait + " seconds.";
      self.notify(text, true);
      self.notice.focus();
    }, function () {
      self.submit.disabled = false;
      self.notify("The comment service could not be reached. Please try again.", true);
      self.notice.focus();
    });
  };

  Widget.prototype.posted = function (data, v) {
    var pending = data.status !== "approved";
    store(AUTHOR_KEY, this.remember.checked ? { name: v.name, email: v.email, url: v.url } : null);
    var entry = { token: data.edit_token, expires: data.edit_expires_at, site: this.site,
                  article: this.article, body: v.body, pending: pending, comment: data.comment };
    store(EDIT_PREFIX + data.id, entry);
    this.edits = this.edits || {};
    this.edits[data.id] = entry;
    this.inputs.body.value = "";
    this.cancelReply(false);
    this.placeComment(data.comment, pending);
    this.refreshToken();
    this.notify(pending ? "Your comment is awaiting moderation." : "Your comment has been published.");
    this.notice.focus();
  };

  Widget.prototype.addEditControls = function (entry, li, content, actions) {
    var self = this;
    var id = entry.comment.id;
    var edit = el("button", { type: "button", "class": "commentsvc-edit", text: "Edit" });
    var withdraw = el("button", { type: "button", "class": "commentsvc-withdraw", text: "Withdraw" });
    var headers = function () { return { "X-Edit-Token": entry.token }; };
    var forget = function () { store(EDIT_PREFIX + id, null); edit.remove(); withdraw.remove(); };
    var expired = function () {
      if (Date.parse(entry.expires) > Date.now()) return false;
      forget();
      self.notify("The time to edit this comment has passed.", true);
      return true;
    };
    edit.addEventListener("click", function () {
      if (expired()) return;
      var box = el("textarea", { id: "commentsvc-edit-" + id, rows: "6", maxlength: "5000",
                                 "aria-describedby": "commentsvc-edit-" + id + "-error" });
      box.value = entry.body || "";
      var error = el("span", { "class": "commentsvc-error", id: "commentsvc-edit-" + id + "-error" });
      var save = el("button", { type: "submit", text: "Save" });
      var cancel = el("button", { type: "button", text: "Cancel" });
      var form = el("form", { "class": "commentsvc-edit-form", novalidate: "" }, [
        el("label", { "for": box.id, text: "Edit your comment" }), box, error,
        el("p", {}, [save, " ", cancel])]);
      var close = function () { form.remove(); content.hidden = false; actions.hidden = false; edit.focus(); };
      cancel.addEventListener("click", close);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (expired()) return close();
        call("PATCH", "comments/" + id, { body: box.value }, headers()).then(function (r) {
          if (r.status === 200) {
            var c = r.data.comment || r.data;
            entry.body = box.value;
            var status = r.data.status || c.status;
            if (status) entry.pending = status !== "approved";
            // The answer's public shape when it has one; else the new text, as text.
            entry.comment = c.body_html !== undefined ? c : Object.assign({}, entry.comment, {
              body_html: "<p></p>", text: box.value });
            store(EDIT_PREFIX + id, entry);
            var fresh = self.renderComment(entry.comment, entry.pending);
            var kids = li.querySelector(":scope > .commentsvc-children");
            if (kids && !fresh.querySelector(":scope > .commentsvc-children")) fresh.append(kids);
            li.replaceWith(fresh);
            self.notify(entry.pending ? "Your comment is awaiting moderation." : "Your comment has been updated.");
            return fresh.querySelector(".commentsvc-edit").focus();
          }
          if (r.status === 422 && r.data.fields) {
            error.textContent = r.data.fields.body || r.data.message;
            box.setAttribute("aria-invalid", "true");
            return box.focus();
          }
          if (r.status >= 401 && r.status <= 404) { forget(); form.remove(); content.hidden = false; actions.hidden = false; }
          self.notify(r.data.message || "Your comment could not be changed.", true);
          self.notice.focus();
        }, function () { self.notify("The comment service could not be reached.", true); });
      });
      content.hidden = true;
      actions.hidden = true;
      content.after(form);
      box.focus();
    });
    withdraw.addEventListener("click", function () {
      if (expired()) return;
      var yes = el("button", { type: "button", text: "Yes, withdraw it" });
      var no = el("button", { type: "button", text: "Keep it" });
      var ask = el("p", { "class": "commentsvc-confirm", role: "group" }, [
        "Withdraw this comment? ", yes, " ", no]);
      no.addEventListener("click", function () { ask.remove(); withdraw.focus(); });
      yes.addEventListener("click", function () {
        call("DELETE", "comments/" + id, undefined, headers()).then(function (r) {
          if (r.status === 204 || r.status === 200) {
            store(EDIT_PREFIX + id, null);
            delete self.shown[id];
            li.remove();
            self.notify("Your comment has been withdrawn.");
            return self.notice.focus();
          }
          if (r.status >= 401 && r.status <= 404) forget();
          ask.remove();
          self.notify(r.data.message || "Your comment could not be withdrawn.", true);
          self.notice.focus();
        }, function () { self.notify("The comment service could not be reached.", true); });
      });
      actions.after(ask);
      yes.focus();
    });
    actions.append(edit, " ", withdraw);
  };

  function start() {
    var link = document.querySelector("link[data-commentsvc]");
    if (!link) {
      link = el("link", { rel: "stylesheet", href: new URL("embed.css", SRC).href, "data-commentsvc": "" });
      document.head.append(link);
    }
    var root = document.getElementById("commentsvc");
    if (root && root.getAttribute("data-site")) new Widget(root);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
