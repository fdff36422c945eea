// Sign-in for the published report: Netlify Identity (GoTrue) on the
// site's own origin, no third-party script. A password sign-in or an
// accepted invitation gives an access token, stored in the nf_jwt cookie
// that Netlify's role rules read; then the report opens.
(function () {
  "use strict";
  var api = "/.netlify/identity";
  var form = document.getElementById("login");
  var message = document.getElementById("message");
  var hash = new URLSearchParams(location.hash.slice(1));
  var invite = hash.get("invite_token");

  function say(text) { message.textContent = text; }

  function signedIn(tok) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "nf_jwt=" + encodeURIComponent(tok.access_token) + "; Path=/; Max-Age=" + (tok.expires_in || 3600) + "; SameSite=Lax" + secure;
    location.replace("/");
  }

  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) { throw new Error(body.error_description || body.msg || ("status " + r.status)); }
      return body;
    });
  }

  if (invite) {
    document.getElementById("email").closest("p").hidden = true;
    document.getElementById("email").required = false;
    document.getElementById("password").autocomplete = "new-password";
    document.getElementById("submit").textContent = "Set password and sign in";
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var password = document.getElementById("password").value;
    var req;
    if (invite) {
      req = fetch(api + "/verify", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({token: invite, type: "signup", password: password})
      });
    } else {
      req = fetch(api + "/token", {
        method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams({grant_type: "password", username: document.getElementById("email").value, password: password})
      });
    }
    say("Signing in…");
    req.then(answer).then(signedIn).catch(function (err) { say("Not signed in: " + err.message); });
  });
})();
