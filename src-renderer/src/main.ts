import { mount } from 'svelte';
import type { WorkbenchBridge } from '../../src-shared/workbench-api.ts';
import App from './App.svelte';
import './app.css';

declare global {
  interface Window {
    /** Set by the preload inside Electron; absent in a plain browser (then the page talks HTTP to `pwb serve`). */
    workbench?: WorkbenchBridge;
  }
}

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element to mount into');

export default mount(App, { target });
