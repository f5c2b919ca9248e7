// Upload with a progress bar. Without JavaScript the form posts normally.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-progress]")) {
    const bar = document.getElementById(form.dataset.progress);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) { bar.hidden = false; bar.value = e.loaded / e.total; }
      });
      xhr.addEventListener("load", () => {
        if (xhr.responseURL && xhr.status < 400) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();  // the form with its errors
      });
      xhr.addEventListener("error", () => { bar.hidden = true; alert("The upload failed; check your connection and try again."); });
      xhr.send(new FormData(form));
    });
  }
});
