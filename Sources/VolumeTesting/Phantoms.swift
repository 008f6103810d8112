import Volume
