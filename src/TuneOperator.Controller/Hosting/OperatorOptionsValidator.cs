using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace TuneOperator.Controller.Hosting;

/// <summary>Checks <see cref="OperatorOptions"/> at start-up; every failure names the option and how to fix it.</summary>
public sealed partial class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    private const string Prefix = OperatorOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem with the options, empty when they are valid.</summary>
    public static IReadOnlyList<string> Check(OperatorOptions options)
    {
        var failures = new List<string>();
        foreach (var ns in options.Namespaces())
        {
            if (!DnsLabel().IsMatch(ns))
            {
                failures.Add($"{Prefix}WatchNamespaces: '{ns}' is not a valid namespace name (lowercase letters, digits and '-', at most 63 characters); give a comma-separated list such as 'team-a,team-b', or leave it empty to watch all namespaces.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.TrainerImage))
        {
            failures.Add($"{Prefix}TrainerImage is required: set --trainer-image or Operator__TrainerImage to the tune-trainer image, for example 'ghcr.io/example/tune-trainer:1.0'.");
        }
        else if (options.TrainerImage.Any(char.IsWhiteSpace))
        {
            failures.Add($"{Prefix}TrainerImage '{options.TrainerImage}' contains whitespace; give a plain image reference such as 'registry/tune-trainer:1.0'.");
        }

        CheckPort(failures, "MetricsPort", options.MetricsPort);
        CheckPort(failures, "HealthPort", options.HealthPort);
        if (options.MetricsPort == options.HealthPort)
        {
            failures.Add($"{Prefix}MetricsPort and {Prefix}HealthPort are both {options.MetricsPort}; metrics need their own port, so give them different values.");
        }

        CheckPort(failures, "TrainerPort", options.TrainerPort);
        if (options.StatusInterval < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}StatusInterval must not be negative (was {options.StatusInterval}); e.g. 00:00:05.");
        }

        if (options.CheckpointTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}CheckpointTimeout must be positive (was {options.CheckpointTimeout}); e.g. 00:01:00.");
        }

        if (options.Workers is < 1 or > 256)
        {
            failures.Add($"{Prefix}Workers must be between 1 and 256 (was {options.Workers}); set --workers.");
        }

        if (options.WatchdogTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Prefix}WatchdogTimeout must be at least 00:00:01 (was {options.WatchdogTimeout}).");
        }

        if (options.Kubeconfig.Length > 0 && !File.Exists(options.Kubeconfig))
        {
            failures.Add($"{Prefix}Kubeconfig: the file '{options.Kubeconfig}' does not exist; give an existing kubeconfig path or leave it empty.");
        }

        var election = options.LeaderElection;
        if (election.Enabled)
        {
            const string p = Prefix + "LeaderElection:";
            if (!DnsSubdomain().IsMatch(election.LeaseName))
            {
                failures.Add($"{p}LeaseName '{election.LeaseName}' is not a valid object name (lowercase letters, digits, '-' and '.'); set --lease-name.");
            }

            if (election.LeaseNamespace.Length > 0 && !DnsLabel().IsMatch(election.LeaseNamespace))
            {
                failures.Add($"{p}LeaseNamespace '{election.LeaseNamespace}' is not a valid namespace name; set --lease-namespace.");
            }

            if (election.RetryPeriod <= TimeSpan.Zero)
            {
                failures.Add($"{p}RetryPeriod must be positive (was {election.RetryPeriod}).");
            }

            if (election.RenewDeadline <= election.RetryPeriod)
            {
                failures.Add($"{p}RenewDeadline ({election.RenewDeadline}) must be greater than RetryPeriod ({election.RetryPeriod}).");
            }

            if (election.LeaseDuration <= election.RenewDeadline)
            {
                failures.Add($"{p}LeaseDuration ({election.LeaseDuration}) must be greater than RenewDeadline ({election.RenewDeadline}).");
            }
        }

        return failures;
    }

    private static void CheckPort(List<string> failures, string option, int port)
    {
        if (port is < 1 or > 65535)
        {
            failures.Add($"{Prefix}{option} must be a TCP port between 1 and 65535 (was {port}).");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
