import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BenchRedis, machineBusyMs, parseCommandStats, redisMissing, redisWork } from '../src/scenarios/cluster-processes.ts';
import { clusterScenario, cpuVerdict, latencySummary, type ClusterConfig } from '../src/scenarios/cluster.ts';
import { clusterTables } from '../src/report/cluster.ts';
import { printTables } from '../src/report/text.ts';
import type { FullReport } from '../src/report/types.ts';

const CONFIG: ClusterConfig = { receivers: 20, latencyMessages: 5, spacingMs: 20, burst: 20, window: 32, nodes: 3 };

describe('latency per message', () => {
  it('takes the median and the last receiver of each message, then the median over messages', () => {
    const parts = [
      { latencies: { '0': [1, 9], '1': [2, 4], '2': [3, 30] } },
      { latencies: { '0': [5], '1': [3], '2': [6] } },
    ];
    // Message 0: 1 5 9 → median 5, last 9; message 1: 2 3 4 → 3, 4; message 2: 3 6 30 → 6, 30.
    expect(latencySummary(parts, 3)).toEqual({ median: 5, last: 9 });
  });

  it('leaves out a message no receiver got (the missing count reports it)', () => {
    expect(latencySummary([{ latencies: { '1': [2, 8] } }], 3)).toEqual({ median: 2, last: 8 });
  });
});

describe("Redis's own counts", () => {
  const before = '# Commandstats\r\ncmdstat_evalsha:calls=10,usec=500,usec_per_call=50.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=3,usec=90,usec_per_call=30.00\r\ncmdstat_xadd:calls=10,usec=40,usec_per_call=4.00\r\n';
  const after =
    '# Commandstats\r\ncmdstat_evalsha:calls=30,usec=1700,usec_per_call=56.67\r\ncmdstat_info:calls=4,usec=120,usec_per_call=30.00\r\ncmdstat_xadd:calls=30,usec=120,usec_per_call=4.00\r\ncmdstat_publish:calls=20,usec=60,usec_per_call=3.00\r\n';

  it('script runs and their time, and every command with those scripts ran, INFO left out', () => {
    expect(parseCommandStats(after).get('evalsha')).toEqual({ calls: 30, usec: 1700 });
    expect(redisWork(parseCommandStats(before), parseCommandStats(after))).toEqual({ scripts: 20, scriptUsec: 1200, commands: 60 });
  });

  it('counts a script and the commands inside it on a real redis-server, which the bench starts and stops by PID', async () => {
    const redis = await BenchRedis.start();
    const pid = redis.pid;
    try {
      const s0 = await redis.commandStats();
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: redis.port });
        socket.on('error', reject);
        // RESP array: EVAL "<script>" 0
        const script = "redis.call('SET','a','1') redis.call('GET','a') return 1";
        socket.write(`*3\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n0\r\n`);
        socket.on('data', (d: Buffer) => {
          expect(d.toString()).toBe(':1\r\n');
          socket.destroy();
          resolve();
        });
      });
      const work = redisWork(s0, await redis.commandStats());
      expect(work.scripts).toBe(1);
      expect(work.commands).toBe(3);
    } finally {
      await redis.stop();
    }
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('without redis-server', () => {
  it('redis-server is found here (CI installs it), and a missing binary is named with the reason', () => {
    expect(redisMissing()).toBeNull();
    expect(redisMissing('/nonexistent/redis-server')).toMatch(/\/nonexistent\/redis-server not found \(ENOENT\)/);
  });

  it('the scenario is skipped with its reason and the report says so, instead of failing the run', async () => {
    const report = await clusterScenario(CONFIG, 1, [], '/nonexistent/redis-server');
    expect(report.skipped).toMatch(/not found/);
    expect(report.cases).toEqual([]);
    expect(clusterTables(report, 2)[0]!.title).toBe('8. Past one server: skipped');
    const full = { startedAt: '', command: '', quick: true, runs: 1, machine: { cpus: 2, node: '', platform: '', totalMemGiB: 1 }, clock: '', pids: { driver: 0, workers: [] }, notes: [], targets: [], errors: [], cluster: report } satisfies FullReport;
    expect(printTables(full)).toContain('/nonexistent/redis-server not found (ENOENT)');
  });
});

describe('what the CPU says', () => {
  it('names the machine saturated at 90 % of its cores busy, the bench apart from other processes, the busiest first', () => {
    expect(cpuVerdict({ wallMs: 1000, servers: 120, redis: 20, proxy: 30, workers: [10, 5, 5, 0], total: 190, machine: 195 }, 2)).toBe(
      'machine saturated: 195 % of 200 % busy, the bench 190 % (servers 120 %, round-robin 30 %, Redis 20 %, load 20 %), other processes 5 %',
    );
    expect(cpuVerdict({ wallMs: 1000, servers: 50, redis: 0, proxy: 0, workers: [10], total: 60, machine: 185 }, 2)).toBe(
      'machine saturated: 185 % of 200 % busy, the bench 60 % (servers 50 %, load 10 %), other processes 125 %',
    );
    expect(cpuVerdict({ wallMs: 1000, servers: 50, redis: 0, proxy: 0, workers: [10], total: 60, machine: 70 }, 2)).toMatch(/^machine not saturated: 70 % of 200 % busy/);
  });

  it("reads the machine's busy time from /proc/stat's first line (idle and iowait left out)", () => {
    const stat = 'cpu  100 20 30 5000 40 1 2 3 0 0\ncpu0 50 10 15 2500 20 0 1 1 0 0\n';
    expect(machineBusyMs(stat)).toBe((100 + 20 + 30 + 1 + 2 + 3) * 10);
    expect(machineBusyMs()).toBeGreaterThan(0);
  });
});
