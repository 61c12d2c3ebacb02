/** Starts the leak response's state machine (Step Functions StartExecution); a name already used starts nothing. */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LeakSignalEvent, LeakStarter } from '../core/intake/intake';

export class StepFunctionsLeakStarter implements LeakStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, event: LeakSignalEvent): Promise<'started' | 'duplicate'> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(event),
        }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return 'duplicate';
      throw error;
    }
  }
}
