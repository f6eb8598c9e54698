/**
 * The one application window and the navigation rules every web contents gets. Electron glue only; the
 * decisions live in navigation.ts.
 */
import { BrowserWindow, type WebContents } from 'electron';
import { APP_ENTRY_URL } from './app-origin';
import { decideWindowOpen, isAllowedNavigation } from './navigation';

/**
 * The options are written out literally here, not built elsewhere, so static checkers (electronegativity)
 * and reviewers see every security flag where the window is created.
 */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Clinic Consult',
    backgroundColor: '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      // Reviewed (eng-disable below): sandboxed, exposes only the typed bridge through contextBridge, never ipcRenderer;
      // see tests/preload.
      preload: preloadPath, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click would ask for a new window; it is denied anyway, this removes the path entirely.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

/**
 * Applied to every web contents the app creates: nothing navigates away from the app, nothing opens a
 * second window (an https link a person clicks goes to their browser), no <webview>.
 */
export function hardenWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url);
    if (decision.openExternally) openExternal(url);
    return { action: decision.action };
  });
}
