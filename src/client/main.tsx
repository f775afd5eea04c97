/** Entry point: applies the theme before the first paint (no inline script is allowed), then renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app.js';
import { applyTheme, loadThemeChoice } from './storage/theme.js';
import './styles.css';

applyTheme(loadThemeChoice());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
