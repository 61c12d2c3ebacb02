/** jest globalSetup: the one line a developer sees when the emulator suite cannot run here. */
import { motoMissingMessage, motoServerPath } from '../helpers/moto-server';

export default function emulatorNotice(): void {
  if (motoServerPath()) return;
  const verdict =
    process.env.CI === 'true' ? 'CI=true: the emulator suite fails' : 'skipping the emulator suite';
  process.stderr.write(`\n${motoMissingMessage()} (${verdict})\n`);
}
