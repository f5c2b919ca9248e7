// Tells the server the browser's time zone, so that pages show times in it and a deadline
// typed as 17:00 means 17:00 here. Without JavaScript the pages say UTC, and mean it.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  // IANA names are cookie-safe as they are ("Europe/Paris"); anything else is left unsaid.
  if (/^[A-Za-z0-9_+\/-]{1,64}$/.test(zone) && !document.cookie.split("; ").includes(`tz=${zone}`)) {
    document.cookie = `tz=${zone}; path=/; max-age=31536000; SameSite=Lax`;
  }
})();
