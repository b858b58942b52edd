// Asking before an action that cannot be undone (discarding drafts, moving cases), in the
// page's own <dialog>: a browser confirm() cannot be styled, labelled or tested from the seat.
(function () {
  "use strict";

  window.casepathConfirm = function (text, action) {
    var dialog = document.getElementById("confirm-dialog");
    var yes = document.getElementById("confirm-yes"), no = document.getElementById("confirm-no");
    document.getElementById("confirm-text").textContent = text;
    yes.textContent = action;
    return new Promise(function (resolve) {
      function done(answer) {
        yes.removeEventListener("click", onYes);
        no.removeEventListener("click", onNo);
        dialog.removeEventListener("cancel", onNo);
        dialog.close();
        resolve(answer);
      }
      function onYes() { done(true); }
      function onNo() { done(false); }
      yes.addEventListener("click", onYes);
      no.addEventListener("click", onNo);
      dialog.addEventListener("cancel", onNo);  // Escape
      dialog.showModal();
      no.focus();  // the safe choice first
    });
  };
})();
