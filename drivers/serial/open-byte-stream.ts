import { resolveDevicePath } from './device-path.ts';
import { SerialPortStream } from './serialport-stream.ts';
import { TcpByteStream } from './tcp-stream.ts';
import type { ByteStream, ByteStreamFactory, ByteStreamOptions } from './types.ts';

/**
 * The production ByteStreamFactory: `tcp://host:port` becomes a socket
 * (ser2net); anything else is resolved (by-id:, by-path:, symlinks) and opened
 * with serialport. A PTY path (tests, the simulated modem) takes the serialport
 * path too, so the real code runs.
 */
export const openByteStream: ByteStreamFactory = async (
  spec: string,
  options: ByteStreamOptions = {},
): Promise<ByteStream> => {
  if (spec.startsWith('tcp://')) return TcpByteStream.open(spec, options);
  const path = await resolveDevicePath(spec);
  return SerialPortStream.open(path, options);
};
