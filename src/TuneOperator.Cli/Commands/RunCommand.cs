using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Cli.Local;

namespace TuneOperator.Cli.Commands;

/// <summary>The arguments of <c>tune run</c>.</summary>
/// <param name="Manifest">The manifest path.</param>
/// <param name="Resume">Continue interrupted jobs from their newest checkpoint; skip jobs that already succeeded.</param>
/// <param name="OutputStatus">An extra file for the status JSON.</param>
/// <param name="Plain">Plain lines even on a terminal.</param>
/// <param name="Trainer">The trainer to start, or null to find it.</param>
public sealed record RunArguments(string Manifest, bool Resume = false, string? OutputStatus = null, bool Plain = false, string? Trainer = null);

/// <summary><c>tune run &lt;manifest&gt;</c>: runs FineTuneJobs (and sweeps) on this machine with the trainer as a child process.</summary>
internal static class RunCommand
{
    /// <summary>Exit code of an invalid manifest.</summary>
    public const int InvalidManifest = 2;

    /// <summary>Exit code of a failed run.</summary>
    public const int RunFailed = 1;

    /// <summary>Exit code of a run interrupted with Ctrl-C (resumable).</summary>
    public const int Interrupted = 130;

    /// <summary>Creates the <c>run</c> command.</summary>
    public static Command Create()
    {
        var manifest = new Argument<string>("manifest") { Description = "A YAML file with FineTuneJob and/or FineTuneSweep documents, run in order." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest complete checkpoint; skip jobs that already succeeded." };
        var outputStatus = new Option<string?>("--output-status") { Description = "Also write the final status JSON to this file." };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines even on a terminal." };
        var trainer = new Option<string?>("--trainer") { Description = $"The tune-trainer.dll (or executable) to start; default ${TrainerProcess.EnvironmentVariable} or the build output." };
        var command = new Command("run", "Run a FineTuneJob (or FineTuneSweep) on this machine, no cluster needed.") { manifest, resume, outputStatus, plain, trainer };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var interrupt = new CancellationTokenSource();
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // The first Ctrl-C (or SIGTERM) checkpoints and stops gracefully; a second one ends the trainer at once.
            // Either way tune itself exits normally, so the trainer is not left running and the status file is written.
            void Interrupt()
            {
                if (!interrupt.IsCancellationRequested)
                {
                    Console.Error.WriteLine("interrupt: saving a checkpoint and stopping (press Ctrl-C again to abort)");
                    interrupt.Cancel();
                }
                else
                {
                    Console.Error.WriteLine("abort: ending the trainer without a final checkpoint");
                    abort.Cancel();
                }
            }

            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                Interrupt();
            };
            Console.CancelKeyPress += onCancel;
            using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Interrupt();
            });
            try
            {
                var arguments = new RunArguments(parse.GetValue(manifest)!, parse.GetValue(resume), parse.GetValue(outputStatus), parse.GetValue(plain), parse.GetValue(trainer));
                return await ExecuteAsync(arguments, Console.Out, Console.Error, TimeProvider.System, interrupt.Token, abort.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>Runs the manifest's jobs in order and returns the exit code (0, 1 failed, 2 invalid, 130 interrupted).</summary>
    public static async Task<int> ExecuteAsync(RunArguments arguments, TextWriter output, TextWriter error, TimeProvider time,
        CancellationToken interrupt, CancellationToken cancellationToken)
    {
        LocalManifest manifest;
        try
        {
            manifest = LocalManifest.Load(arguments.Manifest);
        }
        catch (ValidationException invalid)
        {
            await error.WriteLineAsync($"{arguments.Manifest} is not valid:");
            foreach (var problem in invalid.Errors)
            {
                await error.WriteLineAsync($"  {problem}");
            }

            return InvalidManifest;
        }

        string trainerPath;
        try
        {
            trainerPath = TrainerProcess.Locate(arguments.Trainer);
        }
        catch (FileNotFoundException missing)
        {
            await error.WriteLineAsync(missing.Message);
            return RunFailed;
        }

        var options = new LocalRunOptions(trainerPath, arguments.Resume, arguments.OutputStatus, TimeSpan.FromSeconds(120));
        var runner = new LocalJobRunner(manifest, options, time);
        var view = RunView.Create(output, arguments.Plain);
        try
        {
            foreach (var resource in manifest.Resources)
            {
                var code = resource switch
                {
                    FineTuneJob job => await RunJobAsync(runner, job, arguments.Resume, view, interrupt, cancellationToken),
                    FineTuneSweep sweep => await RunSweepAsync(runner, sweep, arguments.Resume, view, interrupt, cancellationToken),
                    _ => RunFailed,
                };
                if (code != 0)
                {
                    return code;
                }
            }
        }
        catch (ValidationException invalid)
        {
            foreach (var problem in invalid.Errors)
            {
                await error.WriteLineAsync($"{arguments.Manifest}: {problem}");
            }

            return InvalidManifest;
        }

        return 0;
    }

    private static async Task<int> RunJobAsync(LocalJobRunner runner, FineTuneJob job, bool resume, RunView view,
        CancellationToken interrupt, CancellationToken cancellationToken)
    {
        var name = job.Metadata.Name;
        if (resume && runner.ReadStatus(name) is { Phase: JobPhase.Succeeded })
        {
            await view.Out.WriteLineAsync($"[{name}] already succeeded; skipping (run without --resume to train it again)");
            return 0;
        }

        var tracker = await runner.RunAsync(job, view, interrupt, cancellationToken);
        RunSummary.Write(view.Out, name, tracker, runner.StatusFiles(name));
        return tracker.Status.Phase switch
        {
            JobPhase.Succeeded => 0,
            JobPhase.Suspended => Interrupted,
            _ => RunFailed,
        };
    }

    private static async Task<int> RunSweepAsync(LocalJobRunner runner, FineTuneSweep sweep, bool resume, RunView view,
        CancellationToken interrupt, CancellationToken cancellationToken)
    {
        var trials = SweepTrials.Expand(sweep);
        var objective = sweep.Spec.Objective;
        await view.Out.WriteLineAsync($"[{sweep.Metadata.Name}] {trials.Count} trials, objective {objective.Goal.ToString().ToLowerInvariant()} {objective.Metric}");
        var results = new List<(TrialPlan Trial, double? Value)>();
        foreach (var trial in trials)
        {
            await view.Out.WriteLineAsync($"[{trial.Job.Metadata.Name}] {string.Join(", ", trial.Values.Select(p => $"{p.Key}={p.Value}"))}");
            var code = await RunJobAsync(runner, trial.Job, resume, view, interrupt, cancellationToken);
            if (code == Interrupted)
            {
                return code;
            }

            var metrics = runner.ReadStatus(trial.Job.Metadata.Name)?.Metrics;
            double? value = metrics is not null && (metrics.TryGetValue(objective.Metric, out var v) || metrics.TryGetValue(RunStatusTracker.MetricKey(objective.Metric), out v)) ? v : null;
            results.Add((trial, code == 0 ? value : null));
        }

        var scored = results.Where(r => r.Value is not null).ToList();
        if (scored.Count == 0)
        {
            await view.Out.WriteLineAsync($"[{sweep.Metadata.Name}] no trial succeeded with metric {objective.Metric}");
            return RunFailed;
        }

        var best = objective.Goal == SweepGoal.Maximize ? scored.MaxBy(r => r.Value!.Value) : scored.MinBy(r => r.Value!.Value);
        await view.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"[{sweep.Metadata.Name}] best trial {best.Trial.Job.Metadata.Name}: {objective.Metric} {best.Value:0.####} with {string.Join(", ", best.Trial.Values.Select(p => $"{p.Key}={p.Value}"))}"));
        return 0;
    }
}
