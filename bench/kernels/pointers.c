/* pointers: pointer chasing. A binary search tree of malloc'ed nodes built from random
 * keys (inserts, lookups, an in-order walk, then freed), and a singly linked list
 * whose nodes sit in one array but are linked in shuffled order, traversed many
 * times (every step is a dependent cache miss). Prints sums and a hash. */
#include "common.h"

typedef struct TreeNode {
  struct TreeNode *left, *right;
  uint32_t key;
  uint32_t count;
} TreeNode;

typedef struct ListNode {
  struct ListNode *next;
  uint32_t value;
} ListNode;

#define TREE_KEYS 200000u
#define LIST_NODES (1u << 20)

static TreeNode *tree_insert(TreeNode *root, uint32_t key) {
  TreeNode **link = &root;
  while (*link) {
    TreeNode *n = *link;
    if (key == n->key) {
      ++n->count;
      return root;
    }
    link = key < n->key ? &n->left : &n->right;
  }
  TreeNode *n = xmalloc(sizeof *n);
  n->left = n->right = NULL;
  n->key = key;
  n->count = 1;
  *link = n;
  return root;
}

static uint32_t tree_find(const TreeNode *n, uint32_t key) {
  while (n) {
    if (key == n->key) return n->count;
    n = key < n->key ? n->left : n->right;
  }
  return 0;
}

/* In-order walk: a weighted sum that depends on the visiting order. */
static uint64_t tree_walk(const TreeNode *n, uint64_t acc, uint32_t *depth_max, uint32_t depth) {
  while (n) {
    if (depth > *depth_max) *depth_max = depth;
    acc = tree_walk(n->left, acc, depth_max, depth + 1);
    acc = acc * 31 + n->key + n->count;
    n = n->right;
    ++depth;
  }
  return acc;
}

static void tree_free(TreeNode *n) {
  while (n) {
    tree_free(n->left);
    TreeNode *r = n->right;
    free(n);
    n = r;
  }
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 2);
  rng_seed(8);
  uint64_t h = HASH_INIT;
  uint64_t found = 0;
  uint32_t depth_max = 0;
  ListNode *nodes = xmalloc(LIST_NODES * sizeof *nodes);
  uint32_t *order = xmalloc(LIST_NODES * sizeof *order);
  for (int r = 0; r < reps; ++r) {
    TreeNode *root = NULL;
    for (uint32_t i = 0; i < TREE_KEYS; ++i) root = tree_insert(root, rng_below(4 * TREE_KEYS));
    for (uint32_t i = 0; i < 2 * TREE_KEYS; ++i) found += tree_find(root, rng_below(4 * TREE_KEYS));
    h = hash_u64(h, tree_walk(root, 0, &depth_max, 0));
    tree_free(root);

    /* Fisher-Yates shuffle of the visiting order, then link nodes in that order. */
    for (uint32_t i = 0; i < LIST_NODES; ++i) order[i] = i;
    for (uint32_t i = LIST_NODES - 1; i > 0; --i) {
      uint32_t j = rng_below(i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (uint32_t i = 0; i < LIST_NODES; ++i) {
      nodes[order[i]].next = i + 1 < LIST_NODES ? &nodes[order[i + 1]] : NULL;
      nodes[order[i]].value = order[i] ^ (uint32_t)r;
    }
    uint64_t sum = 0;
    for (int pass = 0; pass < 3; ++pass) {
      for (const ListNode *n = &nodes[order[0]]; n; n = n->next) sum = sum * 3 + n->value;
      /* rotate values so the passes are not identical */
      for (uint32_t i = 0; i < LIST_NODES; ++i) nodes[i].value += (uint32_t)pass;
    }
    h = hash_u64(h, sum);
  }
  printf("pointers reps=%d found=%llu depth=%u hash=%016llx\n", reps, (unsigned long long)found, depth_max,
         (unsigned long long)h);
  free(nodes);
  free(order);
  return 0;
}
