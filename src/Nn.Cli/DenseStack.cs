namespace Nn.Cli;

/// <summary>The networks the commands build from --hidden and --activation: dense layers, each activated, then an output head.</summary>
internal static class DenseStack
{
    /// <summary>features → hidden[0] → … → outputs, with a fresh <paramref name="activation"/> after every hidden layer and <paramref name="head"/> last.</summary>
    public static Sequential Build(int features, IReadOnlyList<int> hidden, Func<Activation> activation, int outputs, Activation head)
    {
        var layers = new List<Layer>();
        int width = features;
        foreach (int units in hidden)
        {
            layers.Add(new Dense(width, units));
            layers.Add(activation());
            width = units;
        }
        layers.Add(new Dense(width, outputs));
        layers.Add(head);
        return new Sequential([.. layers]);
    }
}
