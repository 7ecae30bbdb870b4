/** The Logger double: keeps every line in memory so a test can assert on what was logged. */
import type { AnnotationProperties, Logger } from '../logger.js';

export interface RecordedLine {
  level: 'debug' | 'info' | 'warning' | 'error' | 'group' | 'endgroup';
  message: string;
  properties?: AnnotationProperties;
}

/** Keeps every line in memory; tests assert on `lines` or `text()`. */
export class RecordingLogger implements Logger {
  readonly lines: RecordedLine[] = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.lines.push(properties ? { level: 'warning', message, properties } : { level: 'warning', message });
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.lines.push(properties ? { level: 'error', message, properties } : { level: 'error', message });
  }
  startGroup(title: string): void {
    this.lines.push({ level: 'group', message: title });
  }
  endGroup(): void {
    this.lines.push({ level: 'endgroup', message: '' });
  }
  text(): string {
    return this.lines.map((l) => `${l.level}: ${l.message}`).join('\n');
  }
  messages(level: RecordedLine['level']): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => l.message);
  }
}
