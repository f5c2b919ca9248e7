// Upload with a progress bar (form[data-upload], see web/_upload_progress.html). Without
// JavaScript the form posts normally.

// Sizes as the server says them (blobstore.filetypes.sizes_in_words, with Django's
// filesizeformat): "21.0 MB; the limit is 20.0 MB", in bytes when both would read the same.
const inWords = (n) => {
  if (n < 1024) return `${n} byte${n === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(1)} ${units[unit]}`;
};
const sizesInWords = (size, limit) => {
  const words = [inWords(size), inWords(limit)];
  if (words[0] !== words[1]) return words;
  return [size, limit].map((n) => `${n.toLocaleString("en-US")} bytes`);
};

const tooBig = (form) => {
  const limit = Number(form.dataset.maxBytes || 0);
  for (const input of form.querySelectorAll("input[type=file]")) {
    const file = input.files[0];
    if (file && limit && file.size > limit) {
      const [size, most] = sizesInWords(file.size, limit);
      return { input, message: `${file.name} is ${size}; the limit is ${most}` };
    }
  }
  return null;
};

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-upload]")) {
    // Looked up on each use: a refused upload brings the form back with new elements.
    const part = (selector) => form.querySelector(selector);
    const buttons = () => form.querySelectorAll("button[type=submit], input[type=submit]");
    // Not aria-busy: that would keep screen readers from reading out the progress.
    const busy = (on) => {
      form.toggleAttribute("data-sending", on);
      for (const button of buttons()) button.disabled = on;
    };
    const showProgress = (percent) => {
      part("[data-upload-progress]").hidden = false;
      part("progress").value = percent;
      part("[data-progress-text]").textContent = `Uploading… ${percent}%`;
    };
    const fail = (message) => {
      part("[data-upload-progress]").hidden = true;
      const error = part("[data-upload-error]");
      error.textContent = message;
      error.hidden = false;
      busy(false);
    };
    // The answer to a refused upload is its page with the form and the errors: only the form
    // is taken from it, so the rest of this page (and its messages) stays as it is.
    const showRefusal = (xhr) => {
      const answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const again = answer.querySelector(`form[action="${form.getAttribute("action")}"]`);
      if (!again) {
        const said = answer.querySelector("[role=alert], h1");
        fail(said ? said.textContent.trim() : `The upload failed (${xhr.status}); try again.`);
        return;
      }
      form.replaceChildren(...document.adoptNode(again).childNodes);
      busy(false);
      (part("[aria-invalid=true]") || part("input:not([type=hidden])"))?.focus();
    };

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (form.hasAttribute("data-sending")) return;  // sent already: once is enough
      const refused = tooBig(form);  // said before a byte is sent (the server checks again)
      if (refused) {
        fail(refused.message);
        refused.input.focus();
        return;
      }
      part("[data-upload-error]").hidden = true;
      busy(true);
      showProgress(0);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      // Asks for "201 Created" and the page's address instead of a redirect, which the XHR
      // would follow itself and so take the "Uploaded ..." message meant for that page.
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) showProgress(Math.floor((100 * e.loaded) / e.total));
      });
      xhr.addEventListener("load", () => {
        const next = xhr.status === 201 && xhr.getResponseHeader("Location");
        if (next) {
          showProgress(100);
          window.location.assign(next);  // stays busy: the next page is on its way
          return;
        }
        showRefusal(xhr);
      });
      xhr.addEventListener("error", () => fail("The upload failed; check your connection and try again."));
      xhr.send(new FormData(form));
    });
  }
});
