using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>Keeps the newest lines the operator logged (all operator hosts of a test), for failure messages.</summary>
internal sealed class OperatorLog : ILoggerProvider
{
    private const int Capacity = 400;
    private readonly ConcurrentQueue<string> lines = new();

    /// <summary>The kept lines, oldest first.</summary>
    public IReadOnlyList<string> Lines => [.. lines];

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lines.Enqueue(line);
        while (lines.Count > Capacity && lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(OperatorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var error = exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message;
            log.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{error}");
        }
    }
}
