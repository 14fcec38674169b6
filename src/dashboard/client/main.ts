/** Browser code: the key form and the start (last in dashboard.js, after every route is declared). */
export const MAIN_JS = String.raw`
var keyInput = document.getElementById('key');
keyInput.value = currentKey();
document.getElementById('key-form').addEventListener('submit', function (e) {
  e.preventDefault();
  sessionStorage.setItem(KEY_ITEM, keyInput.value.trim());
  render();
});
window.addEventListener('hashchange', function () { render(); });
render();
`;
