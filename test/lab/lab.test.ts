/**
 * Runs the Mininet lab (mininet/lab.py) as CI does: real OVS switches
 * (userspace datapath), the controller started by the lab with a generated
 * config, radclient as the NAS, and real TCP from subscriber hosts. The lab
 * prints its pass/fail table; this test fails when any check fails or the
 * lab leaves a bridge, veth or process behind (the lab checks that itself,
 * holding its lock, and reports it as the table's last row).
 */
import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

const REPO = join(__dirname, '..', '..');

function whyNot(): string | undefined {
  if (typeof process.geteuid !== 'function' || process.geteuid() !== 0) return 'not root (the lab creates namespaces and bridges)';
  if (!existsSync('/usr/bin/mn')) return 'mininet not installed (apt-get install mininet)';
  if (!existsSync('/usr/bin/python3')) return '/usr/bin/python3 missing (the mininet module lives there)';
  const ovs = spawnSync('ovs-vsctl', ['--timeout=5', 'show'], { encoding: 'utf8' });
  if (ovs.status !== 0) return 'Open vSwitch not running (ovs-vsctl show failed; start it with /usr/share/openvswitch/scripts/ovs-ctl start)';
  const rad = spawnSync('radclient', ['-h'], { encoding: 'utf8' });
  if (rad.error) return 'radclient not installed (apt-get install freeradius-utils)';
  return undefined;
}

describe('lab: Mininet ISP network, real TCP (mininet/lab.py)', function () {
  this.timeout(10 * 60 * 1000);

  it('passes every check and leaves nothing behind', async function () {
    const reason = whyNot();
    if (reason) {
      console.log(`  skipped: ${reason}`);
      this.skip();
    }
    const out: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('/usr/bin/python3', [join(REPO, 'mininet', 'lab.py')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      const take = (b: Buffer): void => {
        const s = b.toString();
        out.push(s);
        process.stdout.write(s.replace(/^/gm, '    | '));
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', reject);
      child.on('close', resolve);
    });
    const text = out.join('');
    const summary = /(\d+)\/(\d+) checks passed/.exec(text);
    assert.ok(summary, 'the lab printed no result table');
    assert.equal(summary[1], summary[2], `lab checks failed:\n${text.split('\n').filter((l) => /\bFAIL\b/.test(l)).join('\n')}`);
    assert.ok(Number(summary[2]) >= 11, `expected every scenario and the clean-up check to run, got ${summary[2]}`);
    assert.equal(code, 0, 'lab exited non-zero');
  });
});
