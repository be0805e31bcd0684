// The tab a first click opens at once: it says what is happening until the background sends it to the room, or
// what went wrong (`?error=`). Plain DOM: it must paint in a few milliseconds.
const error = new URLSearchParams(location.search).get('error');
if (error) {
  document.title = 'Google Meet could not be started';
  document.getElementById('title')!.textContent = 'Google Meet could not be started';
  document.getElementById('detail')!.textContent = `${error} Close this tab and try again from the session.`;
  document.body.classList.add('failed');
}
