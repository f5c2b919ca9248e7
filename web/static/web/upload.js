// Upload with a progress bar. Without JavaScript the form posts normally.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-progress]")) {
    const bar = document.getElementById(form.dataset.progress);
    const error = document.getElementById("upload-error");
    const limit = Number(form.dataset.maxBytes || 0);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      // Checked here before a byte is sent (the server checks again).
      for (const input of form.querySelectorAll("input[type=file]")) {
        const file = input.files[0];
        if (file && limit && file.size > limit) {
          const mb = (n) => (n < 1048576 ? `${n} bytes` : `${(n / 1048576).toFixed(1)} MB`);
          error.textContent = `${file.name} is ${mb(file.size)}; files may be ${mb(limit)} at most.`;
          error.hidden = false;
          input.focus();
          return;
        }
      }
      if (error) error.hidden = true;
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
