/**
 * Simulated networks built from Linux network namespaces. Addresses: only the benchmarking range
 * 198.18.0.0/15 (the "internet") and 10.x inside namespaces this run created.
 *
 *   [srv] 198.18.0.1 on bridge "pub" ── relay + coturn
 *     │ (veth per LAN router, bridged into "pub")
 *   [rN] wan 198.18.0.(10+N)  ── NAT ──  bridge "lan" 10.N.0.1/24
 *     │ (veth per home host, bridged into "lan")
 *   [hK] eth0 10.N.0.(10+K)/24, default via 10.N.0.1
 *
 * Symmetric NAT = MASQUERADE --random-fully (a new public port per destination, so a STUN-learned port is
 * useless to anyone else). `isolateWans` drops traffic between the routers' public addresses, so no direct
 * path exists even by luck; then only TURN can carry media.
 */
import { addNamespace, cleanupOnExit, deleteNamespace, ip, iptables, run } from './netns';

export const SERVER_IP = '198.18.0.1';
const PUBLIC_PREFIX = 24;

export type NatKind = 'symmetric';

export interface LanSpec {
  nat: NatKind;
}

export interface Home {
  readonly name: string;
  readonly ns: string;
  readonly address: string;
  readonly gateway: string;
  readonly lan: Lan;
}

export interface Lan {
  readonly index: number;
  readonly ns: string;
  readonly wanAddress: string;
}

export interface Topology {
  readonly serverNs: string;
  readonly serverIp: string;
  readonly lans: Lan[];
  readonly homes: Home[];
  /** Drops every packet between two LAN routers' public addresses: no direct path, not even hole-punched. */
  isolateWans(): void;
  /** Every LAN router drops UDP to the server (a hospital guest Wi-Fi that only lets TCP out). */
  blockUdpToServer(): void;
  /** Takes a home host's link down (like pulling its cable), and brings it back. */
  linkDown(home: Home): void;
  linkUp(home: Home): void;
  destroy(): void;
}

/**
 * `homes` lists, for each home host, the index of the LAN it sits on (two hosts on LAN 1: `[1, 1]`;
 * one host behind each of two NATs: `[1, 2]`).
 */
export function buildTopology(lans: LanSpec[], homes: number[]): Topology {
  cleanupOnExit();
  const created: string[] = [];
  const ns = (role: string): string => {
    const name = addNamespace(role);
    created.push(name);
    return name;
  };
  try {
    const serverNs = ns('srv');
    ip(serverNs, 'link', 'add', 'pub', 'type', 'bridge');
    ip(serverNs, 'addr', 'add', `${SERVER_IP}/${PUBLIC_PREFIX}`, 'dev', 'pub');
    ip(serverNs, 'link', 'set', 'pub', 'up');

    const builtLans: Lan[] = lans.map((spec, i) => {
      const index = i + 1;
      const routerNs = ns(`r${index}`);
      const wanAddress = `198.18.0.${10 + index}`;
      // The veth is created directly with one end in each namespace: nothing ever appears in the root namespace.
      ip(null, 'link', 'add', 'wan', 'netns', routerNs, 'type', 'veth', 'peer', 'name', `to-r${index}`, 'netns', serverNs);
      ip(serverNs, 'link', 'set', `to-r${index}`, 'master', 'pub', 'up');
      ip(routerNs, 'addr', 'add', `${wanAddress}/${PUBLIC_PREFIX}`, 'dev', 'wan');
      ip(routerNs, 'link', 'set', 'wan', 'up');
      ip(routerNs, 'link', 'add', 'lan', 'type', 'bridge');
      ip(routerNs, 'addr', 'add', `10.${index}.0.1/24`, 'dev', 'lan');
      ip(routerNs, 'link', 'set', 'lan', 'up');
      run('ip', ['netns', 'exec', routerNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      if (spec.nat === 'symmetric') iptables(routerNs, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', '--random-fully');
      return { index, ns: routerNs, wanAddress };
    });

    const builtHomes: Home[] = homes.map((lanIndex, i) => {
      const lan = builtLans[lanIndex - 1];
      if (!lan) throw new Error(`home ${i + 1} names LAN ${lanIndex}, which does not exist`);
      const name = `h${i + 1}`;
      const homeNs = ns(name);
      const address = `10.${lan.index}.0.${11 + i}`;
      const gateway = `10.${lan.index}.0.1`;
      ip(null, 'link', 'add', 'eth0', 'netns', homeNs, 'type', 'veth', 'peer', 'name', `to-${name}`, 'netns', lan.ns);
      ip(lan.ns, 'link', 'set', `to-${name}`, 'master', 'lan', 'up');
      ip(homeNs, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip(homeNs, 'link', 'set', 'eth0', 'up');
      ip(homeNs, 'route', 'add', 'default', 'via', gateway);
      return { name, ns: homeNs, address, gateway, lan };
    });

    return {
      serverNs,
      serverIp: SERVER_IP,
      lans: builtLans,
      homes: builtHomes,
      isolateWans: () => {
        for (const lan of builtLans) {
          for (const other of builtLans) {
            if (other === lan) continue;
            // FORWARD: from a home towards the other router (and back); INPUT: to the router's own NAT ports.
            iptables(lan.ns, '-A', 'FORWARD', '-d', other.wanAddress, '-j', 'DROP');
            iptables(lan.ns, '-A', 'FORWARD', '-s', other.wanAddress, '-j', 'DROP');
            iptables(lan.ns, '-A', 'INPUT', '-s', other.wanAddress, '-j', 'DROP');
          }
        }
      },
      blockUdpToServer: () => {
        for (const lan of builtLans) iptables(lan.ns, '-A', 'FORWARD', '-p', 'udp', '-d', SERVER_IP, '-j', 'DROP');
      },
      linkDown: (home) => {
        ip(home.ns, 'link', 'set', 'eth0', 'down');
      },
      linkUp: (home) => {
        ip(home.ns, 'link', 'set', 'eth0', 'up');
        // The kernel drops routes through an interface that goes down: restore the default route.
        ip(home.ns, 'route', 'replace', 'default', 'via', home.gateway);
      },
      destroy: () => {
        for (const name of created.reverse()) deleteNamespace(name);
      },
    };
  } catch (err) {
    for (const name of created.reverse()) deleteNamespace(name);
    throw err;
  }
}

/** Whether a namespace can reach a TCP port (a quick wiring check with bash's /dev/tcp, no extra tools). */
export function canConnect(fromNs: string, host: string, port: number): boolean {
  try {
    run('ip', ['netns', 'exec', fromNs, 'timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`]);
    return true;
  } catch {
    return false;
  }
}
