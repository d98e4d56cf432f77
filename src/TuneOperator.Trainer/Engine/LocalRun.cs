using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Engine;

/// <summary>
/// <c>tune-trainer run --plan plan.json [--resume checkpointDir] [--path-map /mnt/pvc/x=/local/x;...]</c>: runs a plan
/// with the engine, without gRPC, printing every event as one JSON line (the control contract's event JSON).
/// Exit code 0 when the run completed, 1 when it failed, 2 for bad arguments, 3 when it was stopped.
/// </summary>
public static class LocalRun
{
    /// <summary>Runs the plan the arguments name and writes its events to <paramref name="output"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        string? plan = null;
        string? resume = null;
        string? pathMap = null;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--plan" when value is not null:
                    plan = value;
                    i++;
                    break;
                case "--resume" when value is not null:
                    resume = value;
                    i++;
                    break;
                case "--path-map" when value is not null:
                    pathMap = value;
                    i++;
                    break;
                default:
                    await output.WriteLineAsync($"Unknown or incomplete argument '{args[i]}'. Usage: tune-trainer run --plan plan.json [--resume checkpointDir] [--path-map /mount=/local;...]");
                    return 2;
            }
        }

        if (plan is null)
        {
            await output.WriteLineAsync("--plan is required. Usage: tune-trainer run --plan plan.json [--resume checkpointDir]");
            return 2;
        }

        var reporter = new JsonLinesReporter(output, TimeProvider.System);
        var runner = new EngineTrainingRunner(PathMappings.Parse(pathMap), NullLoggerFactory.Instance, TimeProvider.System);
        var request = new TrainingRequest("local", "local", Path.GetFileNameWithoutExtension(plan), 1, await File.ReadAllTextAsync(plan, cancellationToken), resume);
        try
        {
            var outcome = await runner.RunAsync(request, new TrainingControl(), reporter, cancellationToken);
            if (outcome.Completed is { } completed)
            {
                reporter.Write(new TrainerEvent { Completed = completed });
                return 0;
            }

            reporter.Write(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = TrainerPhase.Stopped } });
            return 3;
        }
        catch (TrainingFailedException failed)
        {
            reporter.Write(new TrainerEvent { Failed = new Failed { Reason = failed.Reason, Message = failed.Message, Permanent = failed.Permanent } });
            return 1;
        }
    }

    /// <summary>Writes each report as a JSON line, numbered like the event log of a session.</summary>
    private sealed class JsonLinesReporter(TextWriter output, TimeProvider time) : ITrainingReporter
    {
        private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
        private readonly Lock gate = new();
        private long sequence;

        public void Phase(TrainerPhase phase) => Write(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = phase } });

        public void Progress(Progress progress) => Write(new TrainerEvent { Progress = progress });

        public void Metrics(Metrics metrics) => Write(new TrainerEvent { Metrics = metrics });

        public void Eval(EvalResult result) => Write(new TrainerEvent { Eval = result });

        public void CheckpointSaved(CheckpointInfo checkpoint) => Write(new TrainerEvent { CheckpointSaved = checkpoint });

        public void Write(TrainerEvent trainerEvent)
        {
            lock (gate)
            {
                trainerEvent.Sequence = ++sequence;
                trainerEvent.Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow());
                output.WriteLine(Formatter.Format(trainerEvent));
                output.Flush();
            }
        }
    }
}
