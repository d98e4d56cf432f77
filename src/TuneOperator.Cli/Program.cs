using System.CommandLine;
using TuneOperator.Cli.Commands;

var root = new RootCommand("tune: declarative LLM fine-tuning, locally or on Kubernetes.")
{
    CrdsCommand.Create(),
    RunCommand.Create(),
    TokenizerCommand.Create(),
};
foreach (var command in ModelToolsCommands.Create().Concat(ClusterCommands.Create()))
{
    root.Subcommands.Add(command);
}

// tune run handles Ctrl-C itself (checkpoint, graceful stop), so the parser must not end the process on it.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
