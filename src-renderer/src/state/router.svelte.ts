// The current route, from location.hash; views navigate by writing hashes (href in lib/routes.ts).
import { parseRoute, type Route } from '../lib/routes.ts';

export class RouterState {
  route = $state<Route>(parseRoute(window.location.hash));

  /** Follows hashchange until the returned function is called. */
  start(): () => void {
    const update = (): void => {
      this.route = parseRoute(window.location.hash);
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }

  go(hash: string): void {
    window.location.hash = hash;
  }
}
