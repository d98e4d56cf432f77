using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TuneOperator.Controller.Hosting;
using Xunit;

namespace TuneOperator.Controller.Tests.Hosting;

public sealed class OperatorOptionsTests
{
    private static OperatorOptions Load(string[] args, Dictionary<string, string?>? environment = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddCommandLine(args, new Dictionary<string, string>(OperatorApplication.SwitchMappings))
            .Build();
        return OperatorApplication.LoadOptions(configuration, name => environment?.GetValueOrDefault(name));
    }

    private static IReadOnlyList<string> Failures(params string[] args) =>
        Assert.Throws<OptionsValidationException>(() => Load(args)).Failures.ToList();

    [Fact]
    public void Command_line_switches_bind_every_option()
    {
        var options = Load(
            ["--trainer-image", "registry/tune-trainer:1.2", "--namespaces", "team-a, team-b,team-a", "--workers", "8",
             "--metrics-port", "9090", "--health-port", "9091", "--leader-elect", "false", "--lease-name", "my-lease",
             "--Operator:LeaderElection:LeaseDuration=00:00:30"],
            new() { ["POD_NAMESPACE"] = "operators", ["POD_NAME"] = "tune-operator-0" });

        Assert.Equal("registry/tune-trainer:1.2", options.TrainerImage);
        Assert.Equal(["team-a", "team-b"], options.Namespaces());
        Assert.Equal(8, options.Workers);
        Assert.Equal(9090, options.MetricsPort);
        Assert.Equal(9091, options.HealthPort);
        Assert.False(options.LeaderElection.Enabled);
        Assert.Equal("my-lease", options.LeaderElection.LeaseName);
        Assert.Equal(TimeSpan.FromSeconds(30), options.LeaderElection.LeaseDuration);
        Assert.Equal("operators", options.LeaderElection.LeaseNamespace);
        Assert.Equal("tune-operator-0", options.LeaderElection.Identity);
    }

    [Fact]
    public void Defaults_are_valid_once_the_trainer_image_is_given()
    {
        var options = Load(["--trainer-image", "tune-trainer:dev"]);

        Assert.Empty(options.Namespaces());
        Assert.Equal(4, options.Workers);
        Assert.True(options.LeaderElection.Enabled);
        Assert.NotEqual(string.Empty, options.LeaderElection.Identity);
        Assert.NotEqual(string.Empty, options.LeaderElection.LeaseNamespace);
    }

    [Fact]
    public void A_missing_trainer_image_fails_naming_the_option_and_the_fix()
    {
        var failure = Assert.Single(Failures());
        Assert.Contains("Operator:TrainerImage is required", failure);
        Assert.Contains("--trainer-image", failure);
    }

    [Theory]
    [InlineData("--workers", "0", "Operator:Workers must be between 1 and 256 (was 0)")]
    [InlineData("--workers", "1000", "Operator:Workers must be between 1 and 256 (was 1000)")]
    [InlineData("--metrics-port", "70000", "Operator:MetricsPort must be a TCP port between 1 and 65535 (was 70000)")]
    [InlineData("--health-port", "8080", "Operator:MetricsPort and Operator:HealthPort are both 8080")]
    [InlineData("--namespaces", "team-a,Team_B", "Operator:WatchNamespaces: 'Team_B' is not a valid namespace name")]
    [InlineData("--lease-name", "Bad Name", "Operator:LeaderElection:LeaseName 'Bad Name' is not a valid object name")]
    [InlineData("--Operator:LeaderElection:RenewDeadline", "00:00:20", "Operator:LeaderElection:LeaseDuration (00:00:15) must be greater than RenewDeadline (00:00:20)")]
    [InlineData("--kubeconfig", "/nonexistent/kubeconfig", "Operator:Kubeconfig: the file '/nonexistent/kubeconfig' does not exist")]
    public void A_bad_option_fails_with_a_message_naming_it(string option, string value, string expected)
    {
        var failures = Failures("--trainer-image", "tune-trainer:dev", option, value);
        Assert.Contains(failures, failure => failure.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_of_the_wrong_type_fails_naming_the_option()
    {
        var failure = Assert.Single(Failures("--trainer-image", "tune-trainer:dev", "--workers", "many"));
        Assert.Contains("Operator:Workers", failure);
    }

    [Fact]
    public void Lease_settings_are_not_checked_when_leader_election_is_off()
    {
        var options = Load(["--trainer-image", "tune-trainer:dev", "--leader-elect", "false", "--lease-name", "Bad Name"]);
        Assert.False(options.LeaderElection.Enabled);
    }
}
