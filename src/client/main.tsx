/** Entry point: applies the theme before the first paint (no inline script is allowed), wipes ended rooms' keys, then renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app.js';
import { loadSavedRooms } from './storage/saved-rooms.js';
import { applyTheme, loadThemeChoice } from './storage/theme.js';
import './styles.css';

applyTheme(loadThemeChoice());
// Wipes the keys of rooms whose lifetime passed while no Hush page was open, whichever page this is.
loadSavedRooms();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
