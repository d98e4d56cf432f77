using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.Cli.Commands;

/// <summary>
/// Cluster commands for a user with a kubeconfig: <c>tune get</c>, <c>describe</c>, <c>logs</c>, <c>suspend</c>,
/// <c>resume</c>. They talk to the API server directly, like kubectl.
/// </summary>
internal static class ClusterCommands
{
    /// <summary>The pod label naming the FineTuneJob a trainer pod belongs to (set by the operator).</summary>
    public const string JobNameLabel = "tuneoperator.io/job-name";

    /// <summary>The pod label holding the attempt number.</summary>
    public const string AttemptLabel = "tuneoperator.io/attempt";

    /// <summary>The trainer container's name in the pod.</summary>
    public const string TrainerContainer = "trainer";

    /// <summary>Creates the five commands.</summary>
    public static IEnumerable<Command> Create()
    {
        var ns = new Option<string?>("--namespace", "-n") { Description = "The namespace (default: the kubeconfig context's, else default)." };
        var context = new Option<string?>("--context") { Description = "The kubeconfig context to use." };
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "List jobs in every namespace." };

        var get = new Command("get", "List FineTuneJobs with phase, progress, loss and age.") { ns, context, allNamespaces };
        get.SetAction((parse, token) => WithClient(parse.GetValue(context), parse.GetValue(ns), (client, n) =>
            GetAsync(client, parse.GetValue(allNamespaces) ? null : n, Console.Out, TimeProvider.System, token)));

        var describeName = new Argument<string>("job") { Description = "The FineTuneJob's name." };
        var describe = new Command("describe", "Show a FineTuneJob's status, conditions, progress and checkpoints.") { describeName, ns, context };
        describe.SetAction((parse, token) => WithClient(parse.GetValue(context), parse.GetValue(ns), (client, n) =>
            DescribeAsync(client, n, parse.GetValue(describeName)!, Console.Out, token)));

        var logsName = new Argument<string>("job") { Description = "The FineTuneJob's name." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming new log lines." };
        var logs = new Command("logs", "Print the trainer pod logs of the job's current attempt.") { logsName, ns, context, follow };
        logs.SetAction((parse, token) => WithClient(parse.GetValue(context), parse.GetValue(ns), (client, n) =>
            LogsAsync(client, n, parse.GetValue(logsName)!, parse.GetValue(follow), Console.Out, token)));

        var suspendName = new Argument<string>("job") { Description = "The FineTuneJob's name." };
        var suspend = new Command("suspend", "Suspend a job (spec.runPolicy.suspend: true): the operator checkpoints and stops it.") { suspendName, ns, context };
        suspend.SetAction((parse, token) => WithClient(parse.GetValue(context), parse.GetValue(ns), (client, n) =>
            SetSuspendAsync(client, n, parse.GetValue(suspendName)!, true, Console.Out, token)));

        var resumeName = new Argument<string>("job") { Description = "The FineTuneJob's name." };
        var resume = new Command("resume", "Resume a suspended job (spec.runPolicy.suspend: false).") { resumeName, ns, context };
        resume.SetAction((parse, token) => WithClient(parse.GetValue(context), parse.GetValue(ns), (client, n) =>
            SetSuspendAsync(client, n, parse.GetValue(resumeName)!, false, Console.Out, token)));

        return [get, describe, logs, suspend, resume];
    }

    /// <summary>Writes a table of the jobs in <paramref name="ns"/> (every namespace when null).</summary>
    public static async Task<int> GetAsync(IKubernetes client, string? ns, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        var raw = ns is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural, cancellationToken: cancellationToken)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, FineTuneJob.Plural, cancellationToken: cancellationToken);
        var jobs = Convert<JobList>(raw).Items ?? [];
        if (jobs.Count == 0)
        {
            await output.WriteLineAsync(ns is null ? "No FineTuneJobs found." : $"No FineTuneJobs found in namespace {ns}.");
            return 0;
        }

        var rows = new List<string[]> { ns is null ? new[] { "NAMESPACE", "NAME", "PHASE", "PROGRESS", "LOSS", "AGE" } : new[] { "NAME", "PHASE", "PROGRESS", "LOSS", "AGE" } };
        foreach (var job in jobs.OrderBy(j => j.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(j => j.Metadata.Name, StringComparer.Ordinal))
        {
            var status = job.Status;
            var progress = status?.Progress is { } p ? Invariant($"{p.Percent:0.#}% ({p.Step}/{p.TotalSteps})") : "-";
            var loss = status?.Metrics is { } m && m.TryGetValue(MetricNames.TrainLoss, out var l) ? Invariant($"{l:0.####}") : "-";
            var age = job.Metadata.CreationTimestamp is { } created ? Age(time.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))) : "-";
            string[] row = [job.Metadata.Name, status?.Phase?.ToString() ?? "Pending", progress, loss, age];
            rows.Add(ns is null ? [job.Metadata.NamespaceProperty, .. row] : row);
        }

        await WriteTableAsync(output, rows);
        return 0;
    }

    /// <summary>Writes a job's status, conditions, progress, metrics and checkpoints.</summary>
    public static async Task<int> DescribeAsync(IKubernetes client, string ns, string name, TextWriter output, CancellationToken cancellationToken)
    {
        var job = await ReadJobAsync(client, ns, name, cancellationToken);
        var status = job.Status ?? new FineTuneJobStatus();
        var spec = job.Spec;
        await output.WriteLineAsync($"Name:       {name}");
        await output.WriteLineAsync($"Namespace:  {ns}");
        await output.WriteLineAsync($"Model:      {spec.Model.Source ?? (spec.Model.FromJob is { } parent ? $"fromJob {parent}" : "init (trained from scratch)")}");
        await output.WriteLineAsync($"Method:     {spec.Method.Type}");
        await output.WriteLineAsync($"Suspended:  {(spec.RunPolicy.Suspend ? "yes" : "no")}");
        await output.WriteLineAsync($"Phase:      {status.Phase?.ToString() ?? "Pending"}");
        if (status.Progress is { } progress)
        {
            var speed = progress.TokensPerSecond is { } tps ? Invariant($", {tps:0} tokens/s") : "";
            var eta = progress.Eta is { } when ? $", ETA {when.ToString("u", CultureInfo.InvariantCulture)}" : "";
            await output.WriteLineAsync(Invariant($"Progress:   step {progress.Step}/{progress.TotalSteps} ({progress.Percent:0.#}%), epoch {progress.Epoch:0.##}") + speed + eta);
        }

        await output.WriteLineAsync(Invariant($"Restarts:   {status.Restarts ?? 0}, failures {status.Failures ?? 0}"));
        if (status.Conditions is { Count: > 0 } conditions)
        {
            await output.WriteLineAsync("Conditions:");
            var rows = new List<string[]> { new[] { "  TYPE", "STATUS", "REASON", "SINCE", "MESSAGE" } };
            rows.AddRange(conditions.Select(c => new[] { "  " + c.Type, c.Status.ToString(), c.Reason, c.LastTransitionTime.ToString("u", CultureInfo.InvariantCulture), c.Message ?? "" }));
            await WriteTableAsync(output, rows);
        }

        if (status.Metrics is { Count: > 0 } metrics)
        {
            await output.WriteLineAsync("Metrics:");
            foreach (var (key, value) in metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                await output.WriteLineAsync(Invariant($"  {key}: {value:0.######}"));
            }
        }

        if (status.Checkpoints is { Count: > 0 } checkpoints)
        {
            await output.WriteLineAsync("Checkpoints:");
            foreach (var checkpoint in checkpoints)
            {
                var best = status.BestCheckpoint?.Step == checkpoint.Step ? " (best)" : "";
                await output.WriteLineAsync(Invariant($"  step {checkpoint.Step}: {checkpoint.Path}{(checkpoint.Metric is { } metric ? $" metric {metric:0.####}" : "")}{best}"));
            }
        }

        if (status.Output is { } model)
        {
            await output.WriteLineAsync($"Output:     {model.Path}{(model.Digest is null ? "" : $" ({model.Digest})")}");
        }

        return 0;
    }

    /// <summary>The trainer pod of the job's newest attempt, or null when none exists.</summary>
    public static async Task<V1Pod?> CurrentAttemptPodAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{JobNameLabel}={name}", cancellationToken: cancellationToken);
        return pods.Items
            .OrderByDescending(p => p.Metadata.Labels is { } labels && labels.TryGetValue(AttemptLabel, out var text)
                && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempt) ? attempt : 0)
            .ThenByDescending(p => p.Metadata.CreationTimestamp)
            .FirstOrDefault();
    }

    /// <summary>Copies the current attempt's trainer logs to <paramref name="output"/>.</summary>
    public static async Task<int> LogsAsync(IKubernetes client, string ns, string name, bool follow, TextWriter output, CancellationToken cancellationToken)
    {
        await ReadJobAsync(client, ns, name, cancellationToken);
        var pod = await CurrentAttemptPodAsync(client, ns, name, cancellationToken)
            ?? throw new CommandException($"job {ns}/{name} has no trainer pod yet (it may be pending, suspended or finished and cleaned up); see `tune describe {name}`");
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, container: TrainerContainer, follow: follow, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            await output.WriteLineAsync(line);
        }

        return 0;
    }

    /// <summary>Merge-patches <c>spec.runPolicy.suspend</c>.</summary>
    public static async Task<int> SetSuspendAsync(IKubernetes client, string ns, string name, bool suspend, TextWriter output, CancellationToken cancellationToken)
    {
        await ReadJobAsync(client, ns, name, cancellationToken);
        var body = new JsonObject { ["spec"] = new JsonObject { ["runPolicy"] = new JsonObject { ["suspend"] = suspend } } };
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, ApiGroup.Group, ApiGroup.Version, ns, FineTuneJob.Plural, name, cancellationToken: cancellationToken);
        await output.WriteLineAsync(suspend
            ? $"finetunejob {ns}/{name} suspended: the operator checkpoints and stops the trainer"
            : $"finetunejob {ns}/{name} resumed: training continues from the newest checkpoint");
        return 0;
    }

    private static async Task<FineTuneJob> ReadJobAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var raw = await client.CustomObjects.GetNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, FineTuneJob.Plural, name, cancellationToken);
            return Convert<FineTuneJob>(raw);
        }
        catch (HttpOperationException error) when (error.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new CommandException($"finetunejob {name} not found in namespace {ns}; list the jobs with `tune get -n {ns}`");
        }
    }

    private static T Convert<T>(object raw) =>
        (raw is JsonElement element ? element.Deserialize<T>(ApiJson.Options) : JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(raw), ApiJson.Options))
        ?? throw new CommandException("the API server answered with an empty object");

    private static async Task<int> WithClient(string? context, string? ns, Func<IKubernetes, string, Task<int>> action)
    {
        try
        {
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context);
            using var client = new Kubernetes(config);
            return await action(client, ns ?? config.Namespace ?? "default");
        }
        catch (Exception error) when (error is CommandException or HttpOperationException or k8s.Exceptions.KubeConfigException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync(error is HttpOperationException http ? $"API server: {http.Response.StatusCode}: {http.Response.Content}" : error.Message);
            return 1;
        }
    }

    private static async Task WriteTableAsync(TextWriter output, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            await output.WriteLineAsync(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? Invariant($"{(int)age.TotalDays}d")
        : age.TotalHours >= 1 ? Invariant($"{(int)age.TotalHours}h")
        : age.TotalMinutes >= 1 ? Invariant($"{(int)age.TotalMinutes}m")
        : Invariant($"{Math.Max(0, (int)age.TotalSeconds)}s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record JobList([property: JsonPropertyName("items")] List<FineTuneJob>? Items);
}

/// <summary>A command failure with a message for the user (not found, nothing to show).</summary>
public sealed class CommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommandException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CommandException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
