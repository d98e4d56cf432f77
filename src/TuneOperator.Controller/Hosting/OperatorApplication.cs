using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// Builds and runs the operator process on the generic host: options, Kubernetes client, the health and metrics
/// endpoints (<see cref="OperatorEndpoints"/>, a plain HTTP listener rather than a web framework, to keep the idle
/// process small), and the main loop.
/// </summary>
public static class OperatorApplication
{
    /// <summary>Short command-line switches and the options they set.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--namespaces"] = "Operator:WatchNamespaces",
        ["--trainer-image"] = "Operator:TrainerImage",
        ["--metrics-port"] = "Operator:MetricsPort",
        ["--health-port"] = "Operator:HealthPort",
        ["--workers"] = "Operator:Workers",
        ["--kubeconfig"] = "Operator:Kubeconfig",
        ["--leader-elect"] = "Operator:LeaderElection:Enabled",
        ["--lease-name"] = "Operator:LeaderElection:LeaseName",
        ["--lease-namespace"] = "Operator:LeaderElection:LeaseNamespace",
    };

    /// <summary>Runs the operator until it is stopped; returns the process exit code (2 for invalid options).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(SwitchMappings));
        OperatorOptions options;
        try
        {
            options = LoadOptions(builder.Configuration, Environment.GetEnvironmentVariable);
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("tune-operator: invalid options:");
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync("  " + failure);
            }

            return 2;
        }

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
        builder.Services.AddSingleton<OperatorMetrics>();
        builder.Services.AddSingleton<OperatorHealth>();
        builder.Services.AddSingleton(_ => new KubeApiClient(ClientConfiguration(options)));
        builder.Services.AddSingleton<IControllerSet, FineTuneJobControllerSet>();
        builder.Services.AddHostedService<OperatorEndpoints>();
        builder.Services.AddHostedService<OperatorHost>();

        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }

    /// <summary>
    /// Binds <see cref="OperatorOptions"/> from configuration, fills defaults that come from the environment
    /// (lease namespace, identity) and validates them.
    /// </summary>
    /// <exception cref="OptionsValidationException">An option is invalid; the failures name each option.</exception>
    public static OperatorOptions LoadOptions(IConfiguration configuration, Func<string, string?> environment)
    {
        var options = new OperatorOptions();
        try
        {
            configuration.GetSection(OperatorOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(
                OperatorOptions.SectionName, typeof(OperatorOptions), [ex.InnerException?.Message is { } inner ? ex.Message + " " + inner : ex.Message]);
        }

        var election = options.LeaderElection;
        if (election.LeaseNamespace.Length == 0)
        {
            election.LeaseNamespace = environment("POD_NAMESPACE") is { Length: > 0 } podNamespace ? podNamespace : ServiceAccountNamespace() ?? "default";
        }

        if (election.Identity.Length == 0)
        {
            election.Identity = environment("POD_NAME") is { Length: > 0 } podName
                ? podName
                : Environment.MachineName + "_" + Guid.NewGuid().ToString("N")[..8];
        }

        var failures = OperatorOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(OperatorOptions.SectionName, typeof(OperatorOptions), failures);
        }

        return options;
    }

    /// <summary>The client configuration: an explicit kubeconfig, else in-cluster, else KUBECONFIG or ~/.kube/config.</summary>
    public static KubernetesClientConfiguration ClientConfiguration(OperatorOptions options)
    {
        if (options.Kubeconfig.Length > 0)
        {
            return KubeconfigLoader.Load(options.Kubeconfig);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        // KUBECONFIG (one file or a list, merged as kubectl does), else ~/.kube/config; read without reflection, so the
        // native build reads them too.
        var fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG");
        var files = string.IsNullOrEmpty(fromEnvironment)
            ? [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")]
            : fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Where(File.Exists).ToList();
        return files.Count > 0 && File.Exists(files[0])
            ? KubeconfigLoader.LoadMerged(files)
            : throw new KubeConfigException(
                "no Kubernetes configuration: not running in a cluster, and neither --kubeconfig, KUBECONFIG nor ~/.kube/config names an existing file.");
    }

    private static string? ServiceAccountNamespace()
    {
        const string path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
