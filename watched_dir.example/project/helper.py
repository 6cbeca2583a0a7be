def greet(name):
    return f"hello {name} from a manifest with a directory"
