/**
 * Recordings as MCAP files for robot tools (Foxglove, `ros2 bag`, the `mcap` CLI): the writer, the
 * reader that gives a recording back for replay and check, the topics and the ROS 2 definitions. See
 * docs/records.md#mcap-for-foxglove-and-ros-2.
 *
 * @example
 * ```ts
 * await writeMcapFile(recordingData(store, 'robot-1'), 'robot-1.mcap');
 * const data = await readMcapRecording('robot-1.mcap'); // { recording, events, emitted, turns, audio }
 * ```
 */
export * from './topics.js';
export * from './ros2-msgs.js';
export * from './messages.js';
export * from './write.js';
export * from './read.js';
