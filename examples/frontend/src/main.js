const list = document.querySelector('#items');
const form = document.querySelector('#upload');
const status = document.querySelector('#status');

async function loadItems() {
  const res = await fetch('/api/items');
  const items = await res.json();
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement('li');
      li.textContent = item.name;
      return li;
    }),
  );
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await fetch('/api/uploads', { method: 'POST', body: new FormData(form) });
  status.textContent = res.ok ? `Uploaded ${(await res.json()).file}` : `Upload failed (${res.status})`;
  form.reset();
});

loadItems().catch((err) => {
  status.textContent = `Could not load items: ${err.message}`;
});
