import { MemoryRoom } from '../../src/room/memory-room.ts';
import { roomConformance } from './conformance.ts';

roomConformance('MemoryRoom', async (limits, clock) => ({
  room: new MemoryRoom({ ...limits, sendRateWindowMs: 10_000, joinRateWindowMs: 60_000, now: () => clock.now }),
}));
